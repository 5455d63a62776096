import { ASK_EXIT_CODE } from './config.js';
import type { ProjectView, TaskView } from './mcp-session.js';

export interface QuestionAndAnswer {
  question: string;
  answer: string;
}

/** What the coding command is asked to do: the task, what a person answered, what review asked for, and the rules. */
export function buildPrompt(task: TaskView, project: ProjectView, branch: string, answers: QuestionAndAnswer[]): string {
  const parts = [
    `# Task: ${task.title}`,
    `Task ${task.id} of project "${project.name}" (${project.giteaOwner}/${project.giteaRepo}). You are in a git worktree of that repository, on the branch ${branch} (made from ${project.defaultBranch}).`,
  ];
  if (task.description?.trim()) parts.push(`## Description\n\n${task.description.trim()}`);
  const known = [...answers];
  // After a restart the runner only knows the latest answer, from the task itself.
  if (known.length === 0 && task.lastResponse) known.push({ question: task.question ?? '(asked earlier)', answer: task.lastResponse });
  if (known.length > 0) {
    parts.push(`## Your questions and a person's answers\n\n${known.map((qa) => `Question:\n${qa.question.trim()}\n\nAnswer:\n${qa.answer.trim()}`).join('\n\n---\n\n')}`);
  }
  if (task.feedback?.trim()) {
    // Failing CI comes back as feedback too (docs/ci.md): its entries start with "CI failed on <sha>".
    const ci = /^CI failed on /m.test(task.feedback) ? ' Entries that start with "CI failed on" are checks that failed on your last push: open their links, find the cause and fix it.' : '';
    parts.push(`## Review feedback on your pull request\n\nThe pull request was reviewed and changes were asked for.${ci} Address this feedback in the same branch:\n\n${task.feedback.trim()}`);
  }
  parts.push(
    [
      '## How to work',
      '',
      '- Change the files in this worktree to do the task. When you exit with code 0, everything you leave is committed, pushed to the branch and proposed as a pull request. You need not commit (in the sandbox the repository\'s git data is read-only: git log and git diff work, git commit does not).',
      `- If you cannot go on without a person's answer, write the question to .aiworker/question.md and stop (exit with code ${ASK_EXIT_CODE} if you can choose; 0 works too). You will be run again, in this same worktree, with the answer in this prompt; what you changed so far stays.`,
      '- Any other exit code counts as a failed attempt.',
      '- Do not push, and do not change git remotes or credentials: the runner does that.',
    ].join('\n'),
  );
  return `${parts.join('\n\n')}\n`;
}
