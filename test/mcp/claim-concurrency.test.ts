import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { documentClient } from '../../packages/core/src/db/client.js';
import { agentRepository } from '../../packages/core/src/db/agent-repository.js';
import { claimNextTask } from '../../packages/core/src/services/claim.js';
import { forgetCandidates, nextCandidate, settleCandidate } from '../../packages/core/src/services/claim-candidates.js';
import { advanceClock } from '../../packages/core/src/clock.js';
import { sweepExpiredLeases } from '../../packages/core/src/services/sweeper.js';
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

  /** Starts a claim by `agentId` in this process and "kills" it right after its first write (the agent's): its write to `taskId` never leaves. */
  async function claimThatDies(agentId: string, projectId: string, taskId: string) {
    const name = `die-before-task-write-${taskId}`;
    let cut = 0;
    documentClient().middlewareStack.add(
      (next, context) => async (args) => {
        // Seen marshalled or not, depending on where in the stack: `{ S: value }` or the value.
        const input = args.input as { Key?: { pk?: any }; UpdateExpression?: string; ExpressionAttributeValues?: Record<string, any> };
        const plain = (value: any) => value?.S ?? value;
        const claimWrite =
          /^Update(Item)?Command$/.test(context.commandName ?? '') &&
          plain(input.Key?.pk) === `TASK#${taskId}` &&
          !!input.UpdateExpression?.includes('claimedAt') &&
          plain(input.ExpressionAttributeValues?.[':agent']) === agentId;
        if (!claimWrite) return next(args);
        cut++;
        return new Promise(() => undefined);
      },
      { step: 'initialize', name },
    );
    try {
      void claimNextTask(agentId, { projectId });
      for (let waited = 0; cut === 0 && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(cut).toBe(1);
    } finally {
      documentClient().middlewareStack.remove(name);
      forgetCandidates();
    }
    // Half a claim: the agent points at the task, the task is still waiting, for anyone.
    expect((await agentRepository.get(agentId))?.currentTaskId).toBe(taskId);
    expect(ok(await api.get(`/api/tasks/${taskId}`))).toMatchObject({ state: 'backlog' });
    expect(ok(await api.get(`/api/tasks?projectId=${projectId}&ready=true`)).map((task: { id: string }) => task.id)).toContain(taskId);
  }

  it('a claim cut short between its two writes leaves no task in progress: the task stays claimable and the agent’s next claim clears its pointer', async () => {
    const project = await createProject(api);
    const [only] = await tasks(project.id, 1);
    const [crashing, other] = await agents(2);
    await claimThatDies(crashing.agent.id, project.id, only.id);
    const taken = await other.call('get_next_task', { projectId: project.id });
    expect(taken.structured.task).toMatchObject({ id: only.id, assignedAgentId: other.agent.id });

    // The agent comes back: its next claim lets go of the task that is not its own and says there is none.
    const again = await crashing.call('get_next_task', { projectId: project.id });
    expect(again.structured.task).toBeNull();
    expect((await agentRepository.get(crashing.agent.id))?.currentTaskId).toBeUndefined();
    expect(ok(await api.get(`/api/tasks/${only.id}`))).toMatchObject({ state: 'in_progress', assignedAgentId: other.agent.id });
    await closeAll([crashing, other]);
  });

  it('an agent that stays silent after half a claim loses its lease without touching the task', async () => {
    const project = await createProject(api);
    const [only] = await tasks(project.id, 1);
    const [crashing] = await agents(1);
    await claimThatDies(crashing.agent.id, project.id, only.id);
    const swept = await sweepExpiredLeases(new Date(Date.now() + 3_600_000));
    expect(swept.expiredAgents).toContain(crashing.agent.id);
    expect(swept.releasedTasks).not.toContain(only.id);
    expect(ok(await api.get(`/api/agents/${crashing.agent.id}`))).toMatchObject({ status: 'offline' });
    expect(ok(await api.get(`/api/tasks/${only.id}`))).toMatchObject({ state: 'backlog' });
    expect(ok(await api.get(`/api/tasks?projectId=${project.id}&ready=true`)).map((task: { id: string }) => task.id)).toEqual([only.id]);
    await closeAll([crashing]);
  });

  it('a burst of claims by one agent writes only the task it gets: the others stop at the agent, so no crash can leave a second task in progress', async () => {
    const project = await createProject(api);
    await tasks(project.id, 8);
    const [agent] = await agents(1);
    const name = 'count-claim-task-writes';
    const taskWrites: string[] = [];
    documentClient().middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: { pk?: any }; UpdateExpression?: string; ExpressionAttributeValues?: Record<string, any> };
        const plain = (value: any) => value?.S ?? value;
        if (/^Update(Item)?Command$/.test(context.commandName ?? '') && input.UpdateExpression?.includes('claimedAt') && plain(input.ExpressionAttributeValues?.[':agent']) === agent.agent.id) {
          taskWrites.push(String(plain(input.Key?.pk)));
        }
        return next(args);
      },
      { step: 'initialize', name },
    );
    try {
      // Core's claim, as the MCP tool runs it (in this process, where the writes can be watched).
      const burst = await Promise.all(Array.from({ length: 8 }, () => claimNextTask(agent.agent.id, { projectId: project.id })));
      const held = new Set(burst.map((result) => result.task?.id));
      expect(held.size).toBe(1);
      // Every task write of the burst is at the one task the agent holds (calls that found the agent busy
      // may help finish that claim); no other task was touched, so none can be left in progress.
      expect(taskWrites.length).toBeGreaterThan(0);
      expect(new Set(taskWrites)).toEqual(new Set([`TASK#${[...held][0]}`]));
      const inProgress = ok(await api.get(`/api/tasks?projectId=${project.id}&state=in_progress`));
      expect(inProgress.map((task: { id: string }) => task.id)).toEqual([...held]);
    } finally {
      documentClient().middlewareStack.remove(name);
      await closeAll([agent]);
    }
  });

  it('a read begun before a claim here finished never offers that claim’s task again; a read begun after does', async () => {
    // Many claims at once in one process: a candidate read whose Query ran before a claim's write, and whose
    // answer came after that claim finished, listed the task again, and the next claim lost to its own
    // process (two writes and a read for nothing; 1 try in 22 at 64 agents). Here the index still lists the
    // task, as that Query's answer did.
    const project = await createProject(api);
    const first = await createTask(api, project.id, { priority: 100 });
    const second = await createTask(api, project.id, { priority: 10 });
    forgetCandidates();
    expect((await nextCandidate(project.id, new Set()))?.id).toBe(first.id);
    advanceClock(1_000); // the copy is too old: the next claim reads again before it goes on
    const during = nextCandidate(project.id, new Set());
    advanceClock(1);
    settleCandidate(first.id, true); // the first claim won while that read was on its way
    expect((await during)?.id).toBe(second.id);
    settleCandidate(second.id);

    // A read begun after it sees the index as it is (here the task is still listed, as if it were given back).
    advanceClock(1_000);
    expect((await nextCandidate(project.id, new Set()))?.id).toBe(first.id);
    forgetCandidates();
  });
});
