import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { createProject, createTask } from '../helpers/fixtures.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { admin, newAgent, ok, type AgentClient } from './mcp-client.js';

let runtime: Runtime;
let api: ReturnType<typeof admin>;

beforeAll(async () => {
  runtime = await startTestRuntime({ worker: false });
  api = admin(runtime);
});
afterAll(() => runtime?.stop());

type Agent = Awaited<ReturnType<typeof newAgent>>;

async function agents(count: number): Promise<Agent[]> {
  return Promise.all(Array.from({ length: count }, () => newAgent(runtime)));
}

async function tasks(projectId: string, count: number) {
  const created = [];
  for (let start = 0; start < count; start += 20) {
    const batch = Array.from({ length: Math.min(20, count - start) }, (_, index) => createTask(api, projectId, { priority: (start + index) % 7 * 10 }));
    created.push(...(await Promise.all(batch)));
  }
  return created;
}

async function inBatches<T, R>(items: T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += 20) results.push(...(await Promise.all(items.slice(start, start + 20).map(run))));
  return results;
}

const closeAll = (clients: AgentClient[]) => Promise.all(clients.map((client) => client.close()));

describe('claiming under concurrency', () => {
  it('20 agents working through 200 tasks: every task claimed exactly once, no agent ever holding two', async () => {
    const project = await createProject(api);
    const created = await tasks(project.id, 200);
    const team = await agents(20);

    /** Per agent, what it was given, in order; each claim is finished before the next is asked for. */
    const claims = new Map<string, string[]>();
    await Promise.all(
      team.map(async (agent) => {
        const mine: string[] = [];
        claims.set(agent.agent.id, mine);
        for (;;) {
          const claim = await agent.call('get_next_task', { projectId: project.id });
          expect(claim.isError, claim.text).toBe(false);
          if (!claim.structured.task) {
            expect(claim.structured.message).toMatch(/No task/);
            break;
          }
          // A fresh claim every time: had the agent still held a task, it would have got that one back.
          expect(claim.structured.resumed).toBe(false);
          expect(claim.structured.task).toMatchObject({ state: 'in_progress', assignedAgentId: agent.agent.id });
          mine.push(claim.structured.task.id);
          const done = await agent.call('update_task_status', { taskId: claim.structured.task.id, state: 'ready_to_test' });
          expect(done.isError, done.text).toBe(false);
        }
      }),
    );

    const claimed = [...claims.values()].flat();
    expect(claimed).toHaveLength(200);
    expect(new Set(claimed)).toEqual(new Set(created.map((task) => task.id)));
    // The work was shared, not done by one agent.
    expect([...claims.values()].filter((mine) => mine.length > 0).length).toBeGreaterThan(1);

    const owner = new Map([...claims].flatMap(([agentId, mine]) => mine.map((taskId) => [taskId, agentId] as const)));
    const finals = await inBatches(created, (task) => api.get(`/api/tasks/${task.id}`).then((response) => ok(response)));
    for (const task of finals) expect(task).toMatchObject({ state: 'ready_to_test', assignedAgentId: owner.get(task.id), version: 3 });

    // Each task's history shows exactly one claim, by the agent that was told it won.
    const histories = await inBatches(created, (task) => api.get(`/api/tasks/${task.id}/events`).then((response) => ok(response)));
    for (const events of histories) {
      const claimEvents = events.filter((event: { type: string }) => event.type === 'claimed');
      expect(claimEvents).toHaveLength(1);
      expect(claimEvents[0].agentId).toBe(owner.get(claimEvents[0].taskId));
    }

    // Every agent ends free, and holds nothing.
    for (const agent of team) {
      expect(ok(await api.get(`/api/agents/${agent.agent.id}`))).toMatchObject({ status: 'idle' });
      expect(ok(await api.get(`/api/agents/${agent.agent.id}`)).currentTaskId).toBeUndefined();
    }
    expect(ok(await api.get(`/api/tasks?projectId=${project.id}&state=in_progress`))).toHaveLength(0);
    await closeAll(team);
  });

  it('20 agents against 10 tasks in one burst: 10 distinct claims and 10 "no task"', async () => {
    const project = await createProject(api);
    const created = await tasks(project.id, 10);
    const team = await agents(20);

    const results = await Promise.all(team.map((agent) => agent.call('get_next_task', { projectId: project.id })));
    expect(results.every((result) => !result.isError)).toBe(true);
    const won = results.filter((result) => result.structured.task);
    const none = results.filter((result) => !result.structured.task);
    expect(won).toHaveLength(10);
    expect(none).toHaveLength(10);
    for (const result of none) expect(result.structured.message).toMatch(/No task/);
    expect(new Set(won.map((result) => result.structured.task.id))).toEqual(new Set(created.map((task) => task.id)));

    // Each winner holds exactly its task; each loser holds none.
    for (const [index, agent] of team.entries()) {
      const stored = ok(await api.get(`/api/agents/${agent.agent.id}`));
      const task = results[index].structured.task;
      if (task) {
        expect(stored).toMatchObject({ status: 'busy', currentTaskId: task.id });
        expect(task.assignedAgentId).toBe(agent.agent.id);
      } else {
        expect(stored.status).toBe('idle');
        expect(stored.currentTaskId).toBeUndefined();
      }
    }
    await closeAll(team);
  });
});
