import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, ok, type ApiClient } from '../helpers/http.js';
import { createProject, createTask, registerAgent } from '../helpers/fixtures.js';
import { startTestRuntime } from '../helpers/runtime.js';

let runtime: Runtime;
let alice: ApiClient;
let bob: ApiClient;

beforeAll(async () => {
  runtime = await startTestRuntime();
  // Two separate clients, as two people in two browser tabs.
  alice = apiClient(runtime.url, runtime.adminToken);
  bob = apiClient(runtime.url, runtime.adminToken);
});
afterAll(() => runtime?.stop());

const ROUNDS = 10;

describe('two clients change the same task at once with the same version', () => {
  it('exactly one wins, the other gets 409 VERSION_CONFLICT, and nothing of the winner is lost', async () => {
    const project = await createProject(alice);
    const tasks = await Promise.all(Array.from({ length: ROUNDS }, (_, i) => createTask(alice, project.id, { title: `race-${i}` })));

    const results = await Promise.all(
      tasks.map(async (task, i) => {
        const [a, b] = await Promise.all([
          alice.patch(`/api/tasks/${task.id}`, { title: `alice-${i}`, priority: 90, version: 1 }),
          bob.patch(`/api/tasks/${task.id}`, { title: `bob-${i}`, description: 'bob was here', state: 'in_progress', version: 1 }),
        ]);
        return { task, a, b };
      }),
    );

    for (const { task, a, b } of results) {
      expect([a.status, b.status].sort(), JSON.stringify([a.body, b.body])).toEqual([200, 409]);
      const [winner, loser] = a.status === 200 ? [a, b] : [b, a];
      expect(loser.body.success).toBe(false);
      expect(loser.body.error.code).toBe('VERSION_CONFLICT');
      expect(loser.body.error.message).toMatch(/changed by someone else/);
      expect(winner.body.data.version).toBe(2);

      const stored = ok(await alice.get(`/api/tasks/${task.id}`));
      expect(stored).toEqual(winner.body.data);
      if (winner === a) {
        expect(stored).toMatchObject({ title: expect.stringMatching(/^alice-/), priority: 90, state: 'backlog' });
        expect(stored).not.toHaveProperty('description');
      } else {
        expect(stored).toMatchObject({ title: expect.stringMatching(/^bob-/), description: 'bob was here', state: 'in_progress', priority: 50 });
      }
      // Only the winner's change is in the history (a person's field edit is an `edited` event).
      const events = ok<Array<{ type: string; message: string }>>(await alice.get(`/api/tasks/${task.id}/events`));
      expect(events.map((event) => event.type)).toEqual(winner === b ? ['created', 'state_changed'] : ['created', 'edited']);
      if (winner === a) expect(events[1].message).toMatch(/alice-/);

      // The loser reloads and retries on the new version: now it lands on top of the winner's change.
      const retry = ok(await (winner === a ? bob : alice).patch(`/api/tasks/${task.id}`, { description: 'retried', version: 2 }));
      expect(retry).toMatchObject({ ...winner.body.data, description: 'retried', version: 3, updatedAt: expect.any(String) });
    }
  });

  it('the same holds for a state change racing a state change', async () => {
    const project = await createProject(alice);
    for (let i = 0; i < ROUNDS; i++) {
      const task = await createTask(alice, project.id);
      const started = ok(await alice.patch(`/api/tasks/${task.id}`, { state: 'in_progress' }));
      const [a, b] = await Promise.all([
        alice.patch(`/api/tasks/${task.id}`, { state: 'ready_to_test', version: started.version }),
        bob.patch(`/api/tasks/${task.id}`, { state: 'needs_input', question: 'Which one?', version: started.version }),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      const winner = a.status === 200 ? a : b;
      expect((a.status === 200 ? b : a).body.error.code).toBe('VERSION_CONFLICT');
      expect(ok(await alice.get(`/api/tasks/${task.id}`))).toEqual(winner.body.data);
      const events = ok<Array<{ to?: string }>>(await alice.get(`/api/tasks/${task.id}/events`));
      expect(events.map((event) => event.to)).toEqual(['backlog', 'in_progress', winner.body.data.state]);
    }
  });
});

describe('concurrent changes without a version', () => {
  it('all land: changes to different fields of one task are never lost', async () => {
    const project = await createProject(alice);
    const tasks = await Promise.all(Array.from({ length: ROUNDS }, () => createTask(alice, project.id)));
    await Promise.all(
      tasks.flatMap((task, i) => {
        const path = `/api/tasks/${task.id}`;
        return [
          alice.patch(path, { title: `title-${i}` }).then((response) => ok(response)),
          bob.patch(path, { description: `description-${i}` }).then((response) => ok(response)),
          alice.patch(path, { priority: i }).then((response) => ok(response)),
          bob.patch(path, { state: 'in_progress' }).then((response) => ok(response)),
        ];
      }),
    );
    for (const [i, task] of tasks.entries()) {
      const stored = ok(await alice.get(`/api/tasks/${task.id}`));
      expect(stored).toMatchObject({ title: `title-${i}`, description: `description-${i}`, priority: i, state: 'in_progress', version: 5 });
      const events = ok<Array<{ type: string; to?: string }>>(await alice.get(`/api/tasks/${task.id}/events`));
      expect(events.filter((event) => event.type !== 'edited').map((event) => event.to)).toEqual(['backlog', 'in_progress']);
      expect(events.filter((event) => event.type === 'edited')).toHaveLength(3);
    }
  });

  it('all land on an agent too: renames, capability changes and heartbeats at once', async () => {
    const agents = await Promise.all(Array.from({ length: ROUNDS }, () => registerAgent(alice)));
    await Promise.all(
      agents.flatMap((agent, i) => [
        alice.patch(`/api/agents/${agent.id}`, { name: `renamed-${i}` }).then((response) => ok(response)),
        bob.patch(`/api/agents/${agent.id}`, { capabilities: [`skill-${i}`] }).then((response) => ok(response)),
        apiClient(runtime.url, agent.token).post(`/api/agents/${agent.id}/heartbeat`).then((response) => ok(response)),
      ]),
    );
    for (const [i, agent] of agents.entries()) {
      const stored = ok(await alice.get(`/api/agents/${agent.id}`));
      expect(stored).toMatchObject({ name: `renamed-${i}`, capabilities: [`skill-${i}`], status: 'idle', version: 4 });
      expect(stored.lastHeartbeatAt >= agent.lastHeartbeatAt).toBe(true);
    }
  });
});
