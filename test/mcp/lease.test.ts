import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { agentRepository } from '../../packages/core/src/db/agent-repository.js';
import { sweepExpiredLeases } from '../../packages/core/src/services/sweeper.js';
import { createProject, createTask } from '../helpers/fixtures.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { admin, newAgent, ok } from './mcp-client.js';

// Leases are checked against the sweeper's clock, not against how fast this machine runs: tests 1 and 2 run
// the sweeper themselves at a chosen moment (the last heartbeat plus the lease: the latest instant a live
// agent still holds its lease, and long after a silent one lost it). The lease is far longer than any test,
// so the runtime's own timer never races them. Test 3 shortens the lease and lets that timer do the work,
// polling for the outcome with a generous deadline.
const LEASE_SECONDS = 600;
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
async function until<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, seconds = 60): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(100);
  }
}

/** The moment the lease of an agent last seen at `lastSeenAt` ends (still held at exactly this instant). */
const leaseEnd = (lastSeenAt: string, plusMs = 0) => new Date(Date.parse(lastSeenAt) + LEASE_SECONDS * 1000 + plusMs);

const getTask = async (id: string) => ok(await api.get(`/api/tasks/${id}`));
const getAgent = async (id: string) => ok(await api.get(`/api/agents/${id}`));
/** When the agent was last seen (stored, never shown by the API). */
const lastSeen = async (id: string): Promise<string> => (await agentRepository.get(id))!.lastSeenAt;

describe('leases', () => {
  it('a silent agent’s task goes back to the backlog with a lease_expired event and another agent claims it; a heartbeating agent keeps its task', async () => {
    const project = await createProject(api);
    const first = await createTask(api, project.id, { priority: 90 });
    const second = await createTask(api, project.id, { priority: 80 });
    const silent = await newAgent(runtime);
    const live = await newAgent(runtime);

    expect((await silent.call('get_next_task', { projectId: project.id })).structured.task.id).toBe(first.id);
    const silentSeen = await lastSeen(silent.agent.id);
    expect((await live.call('get_next_task', { projectId: project.id })).structured.task.id).toBe(second.id);

    /** Every agent in `agents` heartbeats; returns when the earliest of their leases ends. */
    const beat = async (agents: Array<typeof live>) => {
      const seen: string[] = [];
      for (const agent of agents) {
        // Clocks tick in milliseconds: make sure a heartbeat is later than the silent agent's last call.
        await until('a later millisecond', async () => new Date().toISOString(), (at) => at > silentSeen, 5);
        const result = await agent.call('heartbeat');
        expect(result.isError, result.text).toBe(false);
        // A heartbeat sets lastSeenAt and lastHeartbeatAt to the same instant; the lease runs from there.
        const at: string = result.structured.agent.lastHeartbeatAt;
        expect(await lastSeen(agent.agent.id)).toBe(at);
        expect(result.structured.leaseExpiresAt).toBe(leaseEnd(at).toISOString());
        seen.push(at);
      }
      return leaseEnd(seen.sort()[0]);
    };

    // The live agent heartbeats; the sweep runs at the very end of its lease, long after the silent one's.
    const sweep = await sweepExpiredLeases(await beat([live]));
    expect(sweep.expiredAgents).toEqual([silent.agent.id]);
    expect(sweep.releasedTasks).toEqual([first.id]);

    const released = await getTask(first.id);
    expect(released.state).toBe('backlog');
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

    // Several more leases: each time both heartbeat and a sweep runs at the end of the lease; they keep their tasks.
    for (let round = 0; round < 3; round++) {
      const result = await sweepExpiredLeases(await beat([live, next]));
      expect(result.expiredAgents).not.toContain(live.agent.id);
      expect(result.expiredAgents).not.toContain(next.agent.id);
      expect(result.releasedTasks).toEqual([]);
    }
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

    // One millisecond past the end of its lease, a heartbeating agent that then went quiet loses its task too.
    const quiet = await sweepExpiredLeases(new Date((await beat([live])).getTime() + 1));
    expect(quiet.releasedTasks).toContain(second.id);
    expect(await getTask(second.id)).toMatchObject({ state: 'backlog' });
    await Promise.all([silent.close(), live.close(), next.close()]);
  });

  it('a task waiting for a person (needs_input) stays with its silent agent until answered, then goes back to the backlog', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    const agent = await newAgent(runtime);
    await agent.call('get_next_task', { projectId: project.id });
    await agent.call('update_task_status', { taskId: task.id, state: 'needs_input', question: 'Which database?' });

    // Several leases past its last call: the question still waits, the agent still holds it.
    const longAfter = leaseEnd(await lastSeen(agent.agent.id), 3 * LEASE_SECONDS * 1000);
    const waiting = await sweepExpiredLeases(longAfter);
    expect(waiting.skippedAgents).toContain(agent.agent.id);
    expect(waiting.expiredAgents).not.toContain(agent.agent.id);
    expect(await getTask(task.id)).toMatchObject({ state: 'needs_input', assignedAgentId: agent.agent.id, question: 'Which database?' });
    expect(await getAgent(agent.agent.id)).toMatchObject({ currentTaskId: task.id });

    ok(await api.post(`/api/tasks/${task.id}/respond`, { response: 'Postgres' }));
    const answered = await sweepExpiredLeases(longAfter);
    expect(answered.releasedTasks).toContain(task.id);
    expect(await getTask(task.id)).toMatchObject({ state: 'backlog', lastResponse: 'Postgres' });
    expect(await getAgent(agent.agent.id)).toMatchObject({ status: 'offline' });
    await agent.close();
  });

  it('on its own timer, the sweeper marks a silent idle agent offline and frees a silent busy agent’s task; a live agent is left alone', async () => {
    const project = await createProject(api);
    const task = await createTask(api, project.id);
    const busy = await newAgent(runtime);
    expect((await busy.call('get_next_task', { projectId: project.id })).structured.task.id).toBe(task.id);
    const idle = await newAgent(runtime);
    // A one-second lease from now on: the runtime's sweeper timer (every 250 ms) does the rest.
    process.env.AIWORKER_LEASE_SECONDS = '1';
    try {
      await until('the idle agent to go offline', () => getAgent(idle.agent.id), (agent) => agent.status === 'offline');
      const freed = await until('the busy agent’s task to return to backlog', () => getTask(task.id), (current) => current.state === 'backlog');
      expect(freed.assignedAgentId).toBeUndefined();
      const events = ok(await api.get(`/api/tasks/${task.id}/events`));
      expect(events.find((event: { type: string }) => event.type === 'lease_expired')).toMatchObject({ agentId: busy.agent.id });

      const beat = await idle.call('heartbeat');
      expect(beat.structured.agent.status).toBe('idle');
      // Swept at the last instant of its fresh lease, the live agent is not touched.
      const result = await sweepExpiredLeases(new Date(Date.parse(beat.structured.agent.lastHeartbeatAt) + 1000));
      expect(result.expiredAgents).not.toContain(idle.agent.id);
    } finally {
      process.env.AIWORKER_LEASE_SECONDS = String(LEASE_SECONDS);
    }
    await Promise.all([idle.close(), busy.close()]);
  });
});
