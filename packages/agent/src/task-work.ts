import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runAttempt } from './attempt.js';
import { commandEnv } from './command-env.js';
import { ASK_EXIT_CODE, type RunnerConfig } from './config.js';
import { ToolError, type JobView, type McpSession, type ProjectView, type TaskView } from './mcp-session.js';
import type { Progress } from './progress.js';
import type { Sandbox } from './sandbox.js';
import { buildPrompt, type QuestionAndAnswer } from './prompt.js';
import type { Identity, Workspace } from './workspace.js';

/** How a task left this runner's hands. */
export type TaskEnd =
  | { kind: 'ready_to_test'; prUrl: string }
  | { kind: 'given_back'; reason: string }
  | { kind: 'stopped'; state: 'backlog' | 'needs_input' }
  | { kind: 'stopped_by_person'; message: string }
  | { kind: 'taken_away'; state: string };

export interface SlotContext {
  config: RunnerConfig;
  session: McpSession;
  workspace: Workspace;
  progress: Progress;
  identity: Identity;
  /** Aborted on Ctrl-C: the coding command and any wait end, and the task is put in a stated state. */
  signal: AbortSignal;
  /** Where the coding command runs; absent only with --no-sandbox. */
  sandbox?: Sandbox;
}

interface Claim {
  task: TaskView;
  project: ProjectView;
  resumed?: boolean;
}

const JOB_WAIT_SECONDS = 20;
const QUESTION_FILE = join('.aiworker', 'question.md');
const PROMPT_FILE = join('.aiworker', 'prompt.md');

class Stopped extends Error {}

/** Waits `ms`, or less when the runner is stopped. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Takes a claimed task from its branch to a pull request (asking a person when the command asks). */
export async function workOnTask(ctx: SlotContext, claim: Claim): Promise<TaskEnd> {
  const { progress, session } = ctx;
  let task = claim.task;
  const say = (message: string) => progress.line(message, task.id);
  say(`${claim.resumed ? 'resumed' : 'claimed'} "${task.title}" (${claim.project.giteaOwner}/${claim.project.giteaRepo}, ${task.state})${task.feedback ? ' with review feedback' : ''}`);
  try {
    const answers: QuestionAndAnswer[] = [];
    if (task.state === 'needs_input') {
      say('waiting for the answer to the question asked before');
      const answered = await waitForAnswer(ctx, task);
      if ('end' in answered) return answered.end;
      answers.push({ question: task.question ?? '(asked earlier)', answer: answered.task.lastResponse ?? '' });
      task = answered.task;
    }

    const branch = await ensureBranch(ctx, task);
    const { dir, resumed } = await ctx.workspace.prepare(claim.project, task.id, branch);
    say(`worktree ${dir} on ${branch}${resumed ? ' (the same worktree as before)' : ''}`);

    let failures = 0;
    for (let run = 1; ; run++) {
      if (ctx.signal.aborted) throw new Stopped();
      const outcome = await runOnce(ctx, task, claim.project, branch, dir, answers, failures + 1, run);
      if (outcome.kind === 'stopped') throw new Stopped();
      if (outcome.kind === 'stopped_by_person') return { kind: 'stopped_by_person', message: outcome.message };
      if (outcome.kind === 'asked') {
        const asked = await session.call<{ task: TaskView }>('update_task_status', { taskId: task.id, state: 'needs_input', question: outcome.question });
        say(`asked a person (task needs_input): ${firstLine(outcome.question)}`);
        const answered = await waitForAnswer(ctx, asked.task);
        if ('end' in answered) return answered.end;
        answers.push({ question: outcome.question, answer: answered.task.lastResponse ?? '' });
        task = answered.task;
        say(`answer received: ${firstLine(task.lastResponse ?? '')}`);
        continue;
      }
      if (outcome.kind === 'failed') {
        failures++;
        say(`coding command failed (${failures}/${ctx.config.tries}): ${outcome.error}`);
        if (failures < ctx.config.tries) continue;
        return await giveBack(ctx, task, `the coding command failed ${failures} time(s); last: ${outcome.error}`);
      }
      // Exit 0: commit what is left, and there must be something to propose.
      const committed = await ctx.workspace.commitAll(dir, `${task.title}\n\naiworker task ${task.id}`, ctx.identity);
      const ahead = await ctx.workspace.commitsAhead(dir, claim.project.defaultBranch);
      if (ahead === 0) {
        failures++;
        say(`coding command exited 0 but changed nothing (${failures}/${ctx.config.tries})`);
        if (failures < ctx.config.tries) continue;
        return await giveBack(ctx, task, `the coding command changed nothing in ${failures} run(s)`);
      }
      const sha = await ctx.workspace.push(dir, branch);
      say(`${committed ? 'committed and ' : ''}pushed ${sha.slice(0, 10)} to ${branch} (${ahead} commit${ahead === 1 ? '' : 's'} ahead of ${claim.project.defaultBranch})`);
      break;
    }

    const pr = await finishJob(ctx, 'create_pull_request', {
      taskId: task.id,
      title: task.title,
      body: `${task.description?.trim() ? `${task.description.trim()}\n\n` : ''}aiworker task ${task.id}, made by ${ctx.identity.name}.`,
    });
    const prUrl = String(pr.job.result?.url ?? pr.task?.prUrl ?? '');
    say(`pull request ${prUrl}; task ${pr.task?.state ?? 'ready_to_test'}`);
    return { kind: 'ready_to_test', prUrl };
  } catch (error) {
    if (error instanceof Stopped || ctx.signal.aborted) return stop(ctx, task);
    if (error instanceof ToolError && /not assigned|no longer|not yours|assigned to/i.test(error.message)) {
      say(`the task is no longer this agent's: ${error.message}`);
      return { kind: 'taken_away', state: 'unknown' };
    }
    const reason = error instanceof Error ? error.message : String(error);
    say(`error: ${reason}`);
    return giveBack(ctx, task, reason);
  }
}

type RunOutcome = { kind: 'done' } | { kind: 'asked'; question: string } | { kind: 'failed'; error: string } | { kind: 'stopped' } | { kind: 'stopped_by_person'; message: string };

async function runOnce(ctx: SlotContext, task: TaskView, project: ProjectView, branch: string, dir: string, answers: QuestionAndAnswer[], attempt: number, run: number): Promise<RunOutcome> {
  const prompt = buildPrompt(task, project, branch, answers);
  const promptFile = join(dir, PROMPT_FILE);
  const questionFile = join(dir, QUESTION_FILE);
  await mkdir(join(dir, '.aiworker'), { recursive: true });
  await writeFile(promptFile, prompt);
  await rm(questionFile, { force: true });
  await ctx.workspace.link(dir);

  const env = commandEnv(process.env, { passEnv: ctx.config.passEnv, sandbox: ctx.sandbox?.env() }, {
    AIWORKER_TASK_ID: task.id,
    AIWORKER_TASK_TITLE: task.title,
    AIWORKER_BRANCH: branch,
    AIWORKER_PROMPT_FILE: promptFile,
    AIWORKER_QUESTION_FILE: questionFile,
    AIWORKER_ASK_EXIT_CODE: String(ASK_EXIT_CODE),
    AIWORKER_ATTEMPT: String(attempt),
    AIWORKER_ANSWER: answers.at(-1)?.answer ?? task.lastResponse ?? '',
    AIWORKER_FEEDBACK: task.feedback ?? '',
  });
  ctx.progress.line(`running the coding command (attempt ${attempt}/${ctx.config.tries}, log ${ctx.workspace.logFile(task.id)})`, task.id);
  const outcome = await runAttempt({
    command: ctx.config.command,
    cwd: dir,
    env,
    stdin: prompt,
    timeoutSeconds: ctx.config.timeoutSeconds,
    logFile: ctx.workspace.logFile(task.id),
    echo: ctx.config.verbose,
    signal: ctx.signal,
    taskId: task.id,
    attempt: run,
    session: ctx.session,
    secrets: [...ctx.config.tokens, ...(ctx.config.giteaToken ? [ctx.config.giteaToken] : [])],
    say: (message) => ctx.progress.line(message, task.id),
    sandbox: ctx.sandbox && { sandbox: ctx.sandbox, mounts: { worktree: dir, repo: ctx.workspace.repoDir(project) } },
  });
  if (outcome.kind === 'stopped_by_person') return { kind: 'stopped_by_person', message: outcome.message };
  if (outcome.kind === 'stopped') return { kind: 'stopped' };
  if (outcome.kind === 'timeout') return { kind: 'failed', error: `timed out after ${outcome.seconds} s (its process group was killed)${tailNote(outcome.tail)}` };
  // Asking: the question file, with exit code 3 — or with 0, since a coding CLI cannot always choose its exit code.
  if (outcome.code === ASK_EXIT_CODE || outcome.code === 0) {
    const question = (await ctx.workspace.readIfExists(questionFile))?.trim();
    if (question) return { kind: 'asked', question: question.slice(0, 10_000) };
    if (outcome.code === ASK_EXIT_CODE) return { kind: 'failed', error: `exited with ${ASK_EXIT_CODE} (ask) but wrote no ${QUESTION_FILE}` };
  }
  if (outcome.code !== 0) return { kind: 'failed', error: `exited with code ${outcome.code}${tailNote(outcome.tail)}` };
  return { kind: 'done' };
}

function tailNote(tail: string): string {
  const lines = tail.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
  return lines ? `; last output: ${lines.slice(-500)}` : '';
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/** The task's branch in Gitea, made by a create_branch job (an existing one is reused). */
async function ensureBranch(ctx: SlotContext, task: TaskView): Promise<string> {
  const done = await finishJob(ctx, 'create_branch', { taskId: task.id });
  const branch = String(done.job.result?.branch ?? done.task?.branchName ?? '');
  if (!branch) throw new Error('create_branch succeeded but named no branch');
  ctx.progress.line(`branch ${branch} ready in Gitea`, task.id);
  return branch;
}

/** Asks for a Gitea job and waits until it is finished (the tool waits up to 20 s at a time). */
async function finishJob(ctx: SlotContext, tool: 'create_branch' | 'create_pull_request', args: Record<string, unknown>): Promise<{ job: JobView; task?: TaskView }> {
  let answer = await ctx.session.call<{ job: JobView; task?: TaskView }>(tool, { ...args, wait: JOB_WAIT_SECONDS });
  let delay = 1000;
  while (answer.job.status === 'queued' || answer.job.status === 'running') {
    if (ctx.signal.aborted) throw new Stopped();
    await pause(delay, ctx.signal);
    delay = Math.min(delay * 2, ctx.config.maxPollSeconds * 1000);
    const polled = await ctx.session.call<{ job: JobView }>('get_job', { jobId: answer.job.id });
    answer = { job: polled.job };
  }
  if (answer.job.status === 'failed') throw new Error(`${tool} job failed: ${answer.job.error ?? 'no reason given'}`);
  if (!answer.task) answer.task = (await ctx.session.call<{ task: TaskView }>('get_task', { taskId: String(args.taskId) })).task;
  return answer;
}

/** Polls get_task with growing pauses (2 s, ×1.5, up to --max-poll) until a person answered. */
async function waitForAnswer(ctx: SlotContext, asked: TaskView): Promise<{ task: TaskView } | { end: TaskEnd }> {
  let delay = 2000;
  for (;;) {
    await pause(delay, ctx.signal);
    if (ctx.signal.aborted) {
      ctx.progress.line('stopped while waiting for an answer: the task stays in needs_input with this agent (run again to resume)', asked.id);
      return { end: { kind: 'stopped', state: 'needs_input' } };
    }
    delay = Math.min(delay * 1.5, ctx.config.maxPollSeconds * 1000);
    let task: TaskView;
    try {
      task = (await ctx.session.call<{ task: TaskView }>('get_task', { taskId: asked.id })).task;
    } catch (error) {
      if (error instanceof ToolError) {
        ctx.progress.line(`the task is no longer this agent's: ${error.message}`, asked.id);
        return { end: { kind: 'taken_away', state: 'unknown' } };
      }
      throw error;
    }
    if (task.state === 'needs_input') continue;
    if (task.state === 'in_progress') return { task };
    ctx.progress.line(`the task moved to ${task.state} while waiting for an answer; leaving it`, asked.id);
    return { end: { kind: 'taken_away', state: task.state } };
  }
}

/** Gives the task back to the backlog with the reason, for another try by any agent. */
async function giveBack(ctx: SlotContext, task: TaskView, reason: string): Promise<TaskEnd> {
  const note = `given back by the runner: ${reason}`.slice(0, 10_000);
  try {
    await ctx.session.call('update_task_status', { taskId: task.id, state: 'backlog', note, hold: true });
    ctx.progress.line(`given back: task backlog, held until a person retries it (${reason.slice(0, 200)})`, task.id);
  } catch (error) {
    ctx.progress.line(`could not give the task back: ${error instanceof Error ? error.message : String(error)}`, task.id);
  }
  return { kind: 'given_back', reason };
}

/** Ctrl-C while the command ran (or between steps): the task goes back to the backlog, its worktree kept. */
async function stop(ctx: SlotContext, task: TaskView): Promise<TaskEnd> {
  const note = `the runner was stopped (Ctrl-C) before the work was done; its worktree is kept at ${ctx.workspace.worktreeDir(task.id)}`;
  try {
    await ctx.session.call('update_task_status', { taskId: task.id, state: 'backlog', note });
    ctx.progress.line('stopped: coding command ended, task backlog (worktree kept)', task.id);
  } catch (error) {
    ctx.progress.line(`stopped; could not give the task back (it returns to the backlog when the lease ends): ${error instanceof Error ? error.message : String(error)}`, task.id);
  }
  return { kind: 'stopped', state: 'backlog' };
}
