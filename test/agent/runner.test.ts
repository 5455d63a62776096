import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../helpers/http.js';
import { eventually } from '../jobs/helpers.js';
import { giteaAs } from '../webhooks/loop.js';
import {
  cloneBranch,
  commandPath,
  getTask,
  git,
  newAgentToken,
  newTask,
  projectWithRepo,
  runRunner,
  startAgentWorld,
  startRunner,
  taskEvents,
  tempFolder,
  waitForOutput,
  type AgentWorld,
} from './helpers.js';

// `npx aiworker agent` as a real process against the local runtime and the Gitea stand-in's real git:
// scripted coding commands stand in for the language model, nothing else is a stand-in.
let world: AgentWorld;

beforeAll(async () => {
  world = await startAgentWorld();
});
afterEach(() => world.gitea.standIn?.assertNoViolations());
afterAll(async () => {
  await world?.stop();
});

/** Every file under `dir`, for looking for a secret on disk. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('aiworker agent', { timeout: 180_000 }, () => {
  it('--once takes a backlog task to ready_to_test: a real pushed branch with the command\'s work, and a pull request', async () => {
    const project = await projectWithRepo(world);
    const task = await newTask(world, project.id, 'Add a login page', 'Use the existing layout; keep it small.');
    const agent = await newAgentToken(world);
    const home = tempFolder(world);

    const { code, output } = await runRunner(world, { tokens: [agent.token], workdir: home, args: ['--once', '--project', project.id, '--command', `sh ${commandPath('edit.sh')}`] });
    expect(code, output).toBe(0);

    const done = await getTask(world, task.id);
    expect(done).toMatchObject({ state: 'ready_to_test', branchName: expect.stringMatching(/^task-[0-9a-f]{8}-add-a-login-page$/), prUrl: expect.stringContaining('/pulls/'), prNumber: 1 });

    // The branch's real content, from a fresh clone.
    const clone = await cloneBranch(world, project.giteaRepo, done.branchName);
    expect(readFileSync(join(clone, 'src', 'feature.ts'), 'utf8')).toBe('export const title = "Add a login page";\n');
    const stdinPrompt = readFileSync(join(clone, 'stdin-prompt.md'), 'utf8');
    expect(stdinPrompt).toContain('# Task: Add a login page');
    expect(stdinPrompt).toContain('Use the existing layout; keep it small.');
    expect(stdinPrompt).toContain('.aiworker/question.md');
    expect(readFileSync(join(clone, 'file-prompt.md'), 'utf8')).toBe(stdinPrompt);
    const agentName = ok(await world.api.get(`/api/agents/${agent.id}`)).name;
    expect(await git(clone, ['log', '--format=%s|%an', '-2'])).toBe(`Add a login page|${agentName} (aiworker agent)\nInitial commit|${world.gitea.owner}`);
    expect(await git(clone, ['ls-files'])).not.toContain('.aiworker');
    expect(await git(clone, ['ls-files'])).not.toContain('leaked-env.txt');

    // The pull request is from that branch to main, with its real head commit.
    const pulls = await giteaAs(world.gitea.url, { login: world.gitea.owner, token: world.gitea.token })<any[]>('GET', `/repos/${world.gitea.owner}/${project.giteaRepo}/pulls?state=open`);
    expect(pulls).toEqual([expect.objectContaining({ number: 1, title: 'Add a login page', head: expect.objectContaining({ ref: done.branchName, sha: await git(clone, ['rev-parse', 'HEAD']) }), base: expect.objectContaining({ ref: 'main' }) })]);

    const events = await taskEvents(world, task.id);
    expect(events.map((event) => event.type)).toEqual(['created', 'claimed', 'branch_created', 'attempt', 'pull_request_opened']);
    expect(events.at(-1)).toMatchObject({ from: 'in_progress', to: 'ready_to_test' });
    expect(ok(await world.api.get(`/api/agents/${agent.id}`))).toMatchObject({ status: 'idle' });

    // One progress line per step; the Gitea token is nowhere: not printed, not in a remote URL or any file.
    for (const step of ['claimed "Add a login page"', 'branch task-', 'worktree ', 'running the coding command (attempt 1/2', 'committed and pushed', 'pull request http']) {
      expect(output).toContain(step);
    }
    expect(output).not.toContain(world.gitea.token);
    const files = filesUnder(join(home, 'work'));
    expect(files.some((file) => file.endsWith(join('repos', world.gitea.owner.toLowerCase(), `${project.giteaRepo}.git`, 'config')))).toBe(true);
    for (const file of files) expect(readFileSync(file).includes(world.gitea.token), file).toBe(false);
  });

  it('--once with nothing in the backlog says so and exits 0', async () => {
    const project = await projectWithRepo(world);
    const agent = await newAgentToken(world);
    const { code, output } = await runRunner(world, { tokens: [agent.token], workdir: tempFolder(world), args: ['--once', '--project', project.id, '--command', 'true'] });
    expect(code, output).toBe(0);
    expect(output).toContain('no task waiting');
  });

  it('a command that asks: the task waits in needs_input, a person answers over REST, the command runs again with the answer', async () => {
    const project = await projectWithRepo(world);
    const task = await newTask(world, project.id, 'Add sign-in');
    const agent = await newAgentToken(world);
    const runner = startRunner(world, { tokens: [agent.token], workdir: tempFolder(world), viaNpx: false, args: ['--once', '--project', project.id, '--command', `sh ${commandPath('ask.sh')}`] });

    const asked = await eventually('the task in needs_input', async () => {
      const now = await getTask(world, task.id);
      return now.state === 'needs_input' ? now : undefined;
    }, 60_000);
    expect(asked.question).toBe('Should the login use OAuth or passwords?');
    await waitForOutput(runner, 'asked a person (task needs_input): Should the login use OAuth or passwords?');

    ok(await world.api.post(`/api/tasks/${task.id}/respond`, { response: 'OAuth, through Gitea' }));
    const code = await runner.exited;
    expect(code, runner.output()).toBe(0);
    expect(runner.output()).toContain('answer received: OAuth, through Gitea');

    const done = await getTask(world, task.id);
    expect(done.state).toBe('ready_to_test');
    const clone = await cloneBranch(world, project.giteaRepo, done.branchName);
    expect(readFileSync(join(clone, 'decision.md'), 'utf8')).toBe('OAuth, through Gitea\n');
    expect(readFileSync(join(clone, 'prompt-with-answer.md'), 'utf8')).toMatch(/Question:\nShould the login use OAuth or passwords\?\n\nAnswer:\nOAuth, through Gitea/);

    const moves = (await taskEvents(world, task.id)).filter((event) => event.to).map((event) => `${event.from ?? '-'}>${event.to}`);
    expect(moves).toEqual(['->backlog', 'backlog>in_progress', 'in_progress>needs_input', 'needs_input>in_progress', 'in_progress>ready_to_test']);
  });

  it('--parallel 2 works on two tasks at once, each in its own worktree and branch', async () => {
    const project = await projectWithRepo(world);
    const tasks = [await newTask(world, project.id, 'First change'), await newTask(world, project.id, 'Second change')];
    const agents = [await newAgentToken(world), await newAgentToken(world)];
    const home = tempFolder(world);
    const { code, output } = await runRunner(world, {
      tokens: agents.map((agent) => agent.token),
      workdir: home,
      args: ['--once', '--parallel', '2', '--project', project.id, '--command', `sh ${commandPath('slow.sh')}`, '--pass-env', 'SLOW_SECONDS'],
      env: { SLOW_SECONDS: '3' },
    });
    expect(code, output).toBe(0);
    expect(output).toContain('slot 1');
    expect(output).toContain('slot 2');

    const done = await Promise.all(tasks.map((task) => getTask(world, task.id)));
    expect(done.map((task) => task.state)).toEqual(['ready_to_test', 'ready_to_test']);
    expect(new Set(done.map((task) => task.assignedAgentId ?? task.id)).size).toBe(2);
    for (const task of done) {
      const clone = await cloneBranch(world, project.giteaRepo, task.branchName);
      expect(readFileSync(join(clone, 'slow.md'), 'utf8')).toBe('slow but done\n');
    }
    expect(readdirSync(join(home, 'work', 'tasks')).sort()).toEqual(tasks.map((task) => task.id).sort());
    // Both ran at the same time: each started its command before either pushed.
    const firstPush = output.indexOf('pushed');
    expect(output.slice(0, firstPush).match(/running the coding command/g)).toHaveLength(2);
  });

  it('after changes are requested in review, the task comes back with the feedback and is resumed in the same worktree', async () => {
    const project = await projectWithRepo(world);
    const task = await newTask(world, project.id, 'Add a footer');
    const agent = await newAgentToken(world);
    const home = tempFolder(world);
    const args = ['--once', '--project', project.id, '--command', `sh ${commandPath('edit.sh')}`];
    const first = await runRunner(world, { tokens: [agent.token], workdir: home, args });
    expect(first.code, first.output).toBe(0);
    const inReview = await getTask(world, task.id);

    // A person requests changes in Gitea; the webhook sends the task back to this agent with the text.
    const person = world.gitea.standIn!.reviewLoop.person('alice');
    await giteaAs(world.gitea.url, { login: person.user.login, token: person.token })('POST', `/repos/${world.gitea.owner}/${project.giteaRepo}/pulls/${inReview.prNumber}/reviews`, {
      event: 'REQUEST_CHANGES',
      body: 'Please add the copyright year.',
    });
    await eventually('the task sent back', async () => (await getTask(world, task.id)).state === 'in_progress');

    const second = await runRunner(world, { tokens: [agent.token], workdir: home, args });
    expect(second.code, second.output).toBe(0);
    expect(second.output).toContain('"Add a footer"');
    expect(second.output).toContain('with review feedback');
    expect(second.output).toContain('(the same worktree as before)');

    const done = await getTask(world, task.id);
    expect(done).toMatchObject({ state: 'ready_to_test', prNumber: inReview.prNumber, branchName: inReview.branchName });
    const clone = await cloneBranch(world, project.giteaRepo, done.branchName);
    expect(readFileSync(join(clone, 'feedback-addressed.md'), 'utf8')).toContain('Please add the copyright year.');
    expect(readFileSync(join(clone, 'stdin-prompt.md'), 'utf8')).toContain('## Review feedback on your pull request');
    expect((await git(clone, ['log', '--format=%s', 'origin/main..HEAD'])).split('\n')).toEqual(['Add a footer', 'Add a footer']);
    const pulls = await giteaAs(world.gitea.url, { login: world.gitea.owner, token: world.gitea.token })<any[]>('GET', `/repos/${world.gitea.owner}/${project.giteaRepo}/pulls?state=all`);
    expect(pulls).toHaveLength(1);
  });
});
