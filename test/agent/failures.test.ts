import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../helpers/http.js';
import { eventually } from '../jobs/helpers.js';
import {
  cloneBranch,
  commandPath,
  getTask,
  isAlive,
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

// The runner when things go wrong: a command that crashes, one that hangs, Ctrl-C, and work that outlasts the lease.
let world: AgentWorld;

beforeAll(async () => {
  world = await startAgentWorld();
});
afterEach(() => world.gitea.standIn?.assertNoViolations());
afterAll(async () => {
  await world?.stop();
});

const pidsIn = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);

describe('aiworker agent when the coding command fails', { timeout: 180_000 }, () => {
  it('a command that crashes is run --tries times, then the task goes back to the backlog with the error', async () => {
    const project = await projectWithRepo(world);
    const task = await newTask(world, project.id, 'Crash please');
    const agent = await newAgentToken(world);
    const { code, output } = await runRunner(world, { tokens: [agent.token], workdir: tempFolder(world), args: ['--once', '--tries', '2', '--project', project.id, '--command', `sh ${commandPath('crash.sh')}`] });
    expect(code, output).toBe(1);
    expect(output).toContain('coding command failed (1/2): exited with code 7; last output: starting | boom: the model provider is down');
    expect(output).toContain('coding command failed (2/2)');
    expect(output).toContain('given back: task backlog');

    const after = await getTask(world, task.id);
    expect(after.state).toBe('backlog');
    expect(after.assignedAgentId).toBeUndefined();
    const gaveUp = (await taskEvents(world, task.id)).at(-1)!;
    expect(gaveUp).toMatchObject({ from: 'in_progress', to: 'backlog' });
    expect(gaveUp.message).toContain('the coding command failed 2 time(s); last: exited with code 7');
    expect(gaveUp.message).toContain('boom: the model provider is down');
  });

  it('a command that hangs is killed with its whole process group at --timeout, and the task is given back after the last try', async () => {
    const project = await projectWithRepo(world);
    const task = await newTask(world, project.id, 'Hang please');
    const agent = await newAgentToken(world);
    const home = tempFolder(world);
    const pids = join(home, 'pids');
    const { code, output } = await runRunner(world, {
      tokens: [agent.token],
      workdir: home,
      // Unsandboxed, so the test can see the command's own pids (test/agent/sandbox.test.ts kills a sandboxed one).
      args: ['--once', '--tries', '2', '--timeout', '2', '--project', project.id, '--command', `sh ${commandPath('hang.sh')}`, '--no-sandbox', '--pass-env', 'PIDS_FILE'],
      env: { PIDS_FILE: pids },
    });
    expect(code, output).toBe(1);
    expect(output).toContain('coding command failed (1/2): timed out after 2 s (its process group was killed)');
    expect(output).toContain('coding command failed (2/2): timed out after 2 s');
    // Two runs, each a shell and its `sleep 600` child: all four gone.
    const started = pidsIn(pids);
    expect(started).toHaveLength(4);
    expect(started.filter(isAlive)).toEqual([]);

    expect(await getTask(world, task.id)).toMatchObject({ state: 'backlog' });
    expect((await taskEvents(world, task.id)).at(-1)!.message).toContain('timed out after 2 s');
  });

  it('Ctrl-C stops the coding command\'s process group and gives the task back, saying so', async () => {
    const project = await projectWithRepo(world);
    const task = await newTask(world, project.id, 'Interrupt me');
    const agent = await newAgentToken(world);
    const home = tempFolder(world);
    const pids = join(home, 'pids');
    const runner = startRunner(world, {
      tokens: [agent.token],
      workdir: home,
      viaNpx: false,
      args: ['--once', '--timeout', '600', '--project', project.id, '--command', `sh ${commandPath('hang.sh')}`, '--no-sandbox', '--pass-env', 'PIDS_FILE'],
      env: { PIDS_FILE: pids },
    });
    await waitForOutput(runner, 'running the coding command');
    await eventually('the command started', async () => {
      try {
        return pidsIn(pids).length === 2;
      } catch {
        return false;
      }
    });
    runner.child.kill('SIGINT');
    expect(await runner.exited, runner.output()).toBe(130);
    expect(runner.output()).toContain('SIGINT received: stopping the coding command(s)');
    expect(runner.output()).toContain('stopped: coding command ended, task backlog (worktree kept)');
    expect(pidsIn(pids).filter(isAlive)).toEqual([]);

    const after = await getTask(world, task.id);
    expect(after).toMatchObject({ state: 'backlog' });
    expect((await taskEvents(world, task.id)).at(-1)!.message).toContain('the runner was stopped (Ctrl-C)');
  });

  it('Ctrl-C while waiting for an answer leaves the task in needs_input with the agent; the next run waits for the answer and finishes', async () => {
    const project = await projectWithRepo(world);
    const task = await newTask(world, project.id, 'Ask then stop');
    const agent = await newAgentToken(world);
    const home = tempFolder(world);
    // This command asks by writing the question and exiting 0, as a coding CLI that cannot choose its exit code does.
    const options = { tokens: [agent.token], workdir: home, viaNpx: false, args: ['--once', '--project', project.id, '--command', `sh ${commandPath('ask.sh')}`, '--pass-env', 'ASK_EXIT'], env: { ASK_EXIT: '0' } };
    const first = startRunner(world, options);
    await waitForOutput(first, 'asked a person (task needs_input)');
    first.child.kill('SIGINT');
    expect(await first.exited, first.output()).toBe(130);
    expect(first.output()).toContain('the task stays in needs_input with this agent');
    expect(await getTask(world, task.id)).toMatchObject({ state: 'needs_input', assignedAgentId: agent.id, question: 'Should the login use OAuth or passwords?' });

    const second = startRunner(world, options);
    await waitForOutput(second, 'waiting for the answer to the question asked before');
    ok(await world.api.post(`/api/tasks/${task.id}/respond`, { response: 'Passwords, hashed with argon2' }));
    expect(await second.exited, second.output()).toBe(0);
    const done = await getTask(world, task.id);
    expect(done.state).toBe('ready_to_test');
    const clone = await cloneBranch(world, project.giteaRepo, done.branchName);
    expect(readFileSync(join(clone, 'decision.md'), 'utf8')).toBe('Passwords, hashed with argon2\n');
  });

  it('the lease never runs out while the command works longer than the lease', async () => {
    const project = await projectWithRepo(world);
    const task = await newTask(world, project.id, 'Take your time');
    const agent = await newAgentToken(world);
    const slow = String(world.leaseSeconds * 2 + 2);
    const { code, output } = await runRunner(world, {
      tokens: [agent.token],
      workdir: tempFolder(world),
      args: ['--once', '--project', project.id, '--command', `sh ${commandPath('slow.sh')}`, '--pass-env', 'SLOW_SECONDS'],
      env: { SLOW_SECONDS: slow },
    });
    expect(code, output).toBe(0);
    const done = await getTask(world, task.id);
    expect(done.state).toBe('ready_to_test');
    const types = (await taskEvents(world, task.id)).map((event) => event.type);
    expect(types).not.toContain('lease_expired');
    expect(types).toEqual(['created', 'claimed', 'branch_created', 'attempt', 'pull_request_opened']);
    const clone = await cloneBranch(world, project.giteaRepo, done.branchName);
    expect(readFileSync(join(clone, 'slow.md'), 'utf8')).toBe('slow but done\n');

    // The sweeper was running all along: a runner killed outright (no Ctrl-C) falls silent and loses its task.
    const silent = await newAgentToken(world);
    const other = await newTask(world, project.id, 'Claimed and forgotten');
    const home = tempFolder(world);
    const pids = join(home, 'pids');
    const killed = startRunner(world, { tokens: [silent.token], workdir: home, viaNpx: false, args: ['--once', '--project', project.id, '--timeout', '600', '--command', `sh ${commandPath('hang.sh')}`, '--no-sandbox', '--pass-env', 'PIDS_FILE'], env: { PIDS_FILE: pids } });
    await waitForOutput(killed, 'running the coding command');
    killed.child.kill('SIGKILL');
    await killed.exited;
    await eventually('the killed runner\'s task back in the backlog', async () => (await getTask(world, other.id)).state === 'backlog', 60_000);
    // Clean-up only: the runner may have been killed before it started its command. By now (a lease later) a
    // command that did start has long written down its processes, so this waits a moment at most (it waited
    // 45 s for a command that never started).
    const started = () => (existsSync(pids) ? pidsIn(pids) : []);
    await eventually('the command started', async () => started().length === 2, 2_000).catch(() => undefined);
    for (const pid of started()) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    expect((await taskEvents(world, other.id)).map((event) => event.type)).toContain('lease_expired');
  });
});
