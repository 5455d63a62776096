import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { sweepExpiredLeases } from '../../packages/core/src/services/sweeper.js';
import { createProject, createTask } from '../helpers/fixtures.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { admin, newAgent, ok } from './mcp-client.js';

// A short lease and a fast sweep, so silence shows within seconds.
const LEASE_SECONDS = 2;
const previousLease = process.env.AIWORKER_LEASE_SECONDS;
let runtime: Runtime;
let api: ReturnType<typeof admin>;

beforeAll(async () => {
  process.env.AIWORKER_LEASE_SECONDS = String(LEASE_SECONDS);
  runtime = await startTestRuntime({ worker: false, sweeper: { intervalMs: 250 } });
  api = admin(runtime);
});
afterAll(async () => {
  await runtime?.stop();
  if (previousLease === undefined) delete process.env.AIWORKER_LEASE_SECONDS;
  else process.env.AIWORKER_LEASE_SECONDS = previousLease;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds (the sweeper runs on its own timer); fails after `seconds`. */
async function until<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, seconds = 20): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(100);
  }
}

const getTask = async (id: string) => ok(await api.get(`/api/tasks/${id}`));
const getAgent = async (id: string) => ok(await api.get(`/api/agents/${id}`));

describe('leases', () => {
  it('a silent agent’s task goes back to the backlog with a lease_expired event and another agent claims it; a heartbeating agent keeps its task', async () => {
    const project = await createProject(api);
    const first = await createTask(api, project.id, { priority: 90 });
    const second = await createTask(api, project.id, { priority: 80 });
    const silent = await newAgent(runtime);
    const live = await newAgent(runtime);

    expect((await silent.call('get_next_task', { projectId: project.id })).structured.task.id).toBe(first.id);
    expect((await live.call('get_next_task', { projectId: project.id })).structured.task.id).toBe(second.id);

    // Live agents heartbeat (every 1/4 lease) for the whole test; the silent one says nothing.
    const alive = [live];
    let beating = true;
    const heartbeats = (async () => {
      while (beating) {
        for (const beat of await Promise.all(alive.map((agent) => agent.call('heartbeat')))) expect(beat.isError, beat.text).toBe(false);
        await sleep((LEASE_SECONDS * 1000) / 4);
      }
    })();

    const released = await until('the silent agent’s task to return to backlog', () => getTask(first.id), (task) => task.state === 'backlog');
    expect(released.assignedAgentId).toBeUndefined();
    const events = ok(await api.get(`/api/tasks/${first.id}/events`));
    const expired = events.find((event: { type: string }) => event.type === 'lease_expired');
    expect(expired).toMatchObject({ from: 'in_progress', to: 'backlog', agentId: silent.agent.id });
    expect(expired.message).toMatch(/Lease expired.*last seen/);
    expect(await getAgent(silent.agent.id)).toMatchObject({ status: 'offline' });
    expect((await getAgent(silent.agent.id)).currentTaskId).toBeUndefined();

    // Another agent picks the task up.
    const next = await newAgent(runtime);
    expect((await next.call('get_next_task', { projectId: project.id })).structured.task).toMatchObject({ id: first.id, assignedAgentId: next.agent.id });
    alive.push(next);

    // Several more leases pass: the heartbeating agent still holds its task.
    await sleep(LEASE_SECONDS * 2000);
    beating = false;
    await heartbeats;
    expect(await getTask(second.id)).toMatchObject({ state: 'in_progress', assignedAgentId: live.agent.id });
    expect(await getAgent(live.agent.id)).toMatchObject({ status: 'busy', currentTaskId: second.id });
    const liveEvents = ok(await api.get(`/api/tasks/${second.id}/events`));
    expect(liveEvents.map((event: { type: string }) => event.type)).not.toContain('lease_expired');
    expect(await getTask(first.id)).toMatchObject({ state: 'in_progress', assignedAgentId: next.agent.id });

    // The silent agent comes back: it is idle again, its old task gone to the other agent.
    const back = await silent.call('get_next_task', { projectId: project.id });
    expect(back.structured.task).toBeNull();
    expect(await getAgent(silent.agent.id)).toMatchObject({ status: 'idle' });
    const update = await silent.call('update_task_status', { taskId: first.id, state: 'ready_to_test' });
    expect(update.isError).toBe(true);
    expect(update.text).toMatch(/assigned to another agent/);
    await Promise.all([silent.close(), live.close(), next.close()]);
  });

  it('a task waiting for a person (needs_input) stays with its silent agent until answered, then goes back to the backlog', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    const agent = await newAgent(runtime);
    await agent.call('get_next_task', { projectId: project.id });
    await agent.call('update_task_status', { taskId: task.id, state: 'needs_input', question: 'Which database?' });

    // Well past the lease, with the sweeper running all along: the question still waits, the agent still holds it.
    await sleep(LEASE_SECONDS * 2000);
    expect(await getTask(task.id)).toMatchObject({ state: 'needs_input', assignedAgentId: agent.agent.id, question: 'Which database?' });
    expect(await getAgent(agent.agent.id)).toMatchObject({ currentTaskId: task.id });

    ok(await api.post(`/api/tasks/${task.id}/respond`, { response: 'Postgres' }));
    const released = await until('the answered task of a silent agent to return to backlog', () => getTask(task.id), (current) => current.state === 'backlog');
    expect(released).toMatchObject({ lastResponse: 'Postgres' });
    expect(await getAgent(agent.agent.id)).toMatchObject({ status: 'offline' });
    await agent.close();
  });

  it('an idle silent agent is only marked offline; a sweep finds nothing to do for a live agent', async () => {
    const idle = await newAgent(runtime);
    await until('the idle agent to go offline', () => getAgent(idle.agent.id), (agent) => agent.status === 'offline');
    const beat = await idle.call('heartbeat');
    expect(beat.structured.agent.status).toBe('idle');
    const result = await sweepExpiredLeases();
    expect(result.expiredAgents).not.toContain(idle.agent.id);
    await idle.close();
  });
});
