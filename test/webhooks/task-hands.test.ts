import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../helpers/http.js';
import { standInTarget } from '../jobs/helpers.js';
import { newAgent } from '../mcp/mcp-client.js';
import { eventsOf, pullPayload, reviewProject, startWorld, taskInReview, type World } from './world.js';

/**
 * Whose hands a task is in when review moves it: a task in review that nobody holds goes back to the
 * backlog with the reviewer's text, and an agent whose task a person took away (an old pull request merged
 * in Gitea) is told so on its next MCP call.
 */
let world: World;
let project: any;

beforeAll(async () => {
  world = await startWorld(await standInTarget());
  project = await reviewProject(world);
});
afterEach(() => world.gitea.standIn?.assertNoViolations());
afterAll(async () => {
  await world?.stop();
  await world?.gitea.close();
});

const payloadFor = (task: any, action: string, sender: string, extra: Record<string, unknown> = {}) =>
  pullPayload({ owner: project.giteaOwner, repo: project.giteaRepo, number: task.prNumber, action, sender, ...extra });

/** A task in ready_to_test with its pull request open and no agent on it: its agent was sent away, a person moved it back to review. */
async function unheldInReview(title: string) {
  const { task, agent } = await taskInReview(world, project, title);
  // Its agent is busy with other work, so a send-back from the board leaves it in the backlog, unassigned.
  ok(await world.api.post('/api/tasks', { projectId: project.id, title: `${title}: other work` }), 201);
  expect((await agent.call('get_next_task', { projectId: project.id })).structured.task.title).toBe(`${title}: other work`);
  expect(ok(await world.api.patch(`/api/tasks/${task.id}`, { state: 'in_progress' }))).toMatchObject({ state: 'backlog' });
  ok(await world.api.patch(`/api/tasks/${task.id}`, { state: 'in_progress' }));
  const inReview = ok(await world.api.patch(`/api/tasks/${task.id}`, { state: 'ready_to_test' }));
  expect(inReview.assignedAgentId).toBeUndefined();
  return { task: inReview, agent };
}

describe('review of a task nobody holds', () => {
  it('changes requested in Gitea → back to the backlog with the text in feedback, which the next agent gets', async () => {
    const { task, agent } = await unheldInReview('Unheld, reviewed in Gitea');
    const response = await world.deliver('pull_request_review_rejected', payloadFor(task, 'reviewed', 'bob', { review: { type: 'pull_request_review_rejected', content: 'Handle the empty list.' } }));
    expect(response.body.data).toMatchObject({ outcome: 'applied', state: 'backlog' });
    const now = ok(await world.api.get(`/api/tasks/${task.id}`));
    expect(now).toMatchObject({ state: 'backlog', feedback: expect.stringContaining('Handle the empty list.') });
    expect(now.assignedAgentId).toBeUndefined();
    expect((await eventsOf(world, task.id)).at(-1)).toMatchObject({ type: 'sent_back', from: 'ready_to_test', to: 'backlog', actor: 'gitea:bob' });

    const next = await newAgent(world.runtime);
    const claim = await next.call('get_next_task', { projectId: project.id });
    expect(claim.structured.task).toMatchObject({ id: task.id, state: 'in_progress', feedback: expect.stringContaining('Handle the empty list.') });
    ok(await world.api.patch(`/api/tasks/${task.id}`, { state: 'cancelled' }));
    await Promise.all([agent.close(), next.close()]);
  });

  it("the board's Send back with text → the backlog with the text in feedback (not a 400)", async () => {
    const { task, agent } = await unheldInReview('Unheld, sent back from the board');
    const sent = ok(await world.api.patch(`/api/tasks/${task.id}`, { state: 'in_progress', feedback: 'The button is misaligned.' }));
    expect(sent).toMatchObject({ state: 'backlog', feedback: expect.stringContaining('The button is misaligned.') });
    expect(sent.assignedAgentId).toBeUndefined();
    expect((await eventsOf(world, task.id)).at(-1)).toMatchObject({ type: 'sent_back', to: 'backlog', actor: 'admin', message: expect.stringMatching(/no agent has it/) });
    ok(await world.api.patch(`/api/tasks/${task.id}`, { state: 'cancelled' }));
    await agent.close();
  });
});

describe('an old pull request merged while the agent reworks the task', () => {
  it("frees the agent, and the agent's next MCP call says why; the notice is told once", async () => {
    const { task, agent } = await taskInReview(world, project, 'Merged during rework');
    const back = await world.deliver('pull_request_review_rejected', payloadFor(task, 'reviewed', 'bob', { review: { type: 'pull_request_review_rejected', content: 'Rename it.' } }));
    expect(back.body.data).toMatchObject({ outcome: 'applied', state: 'in_progress' });
    expect((await agent.call('get_next_task', {})).structured).toMatchObject({ resumed: true, task: { id: task.id } });

    const merged = await world.deliver('pull_request', payloadFor(task, 'closed', 'dave', { merged: true }));
    expect(merged.body.data).toMatchObject({ outcome: 'applied', state: 'staging' });
    expect(ok(await world.api.get(`/api/agents/${agent.agent.id}`))).toMatchObject({ status: 'idle' });
    expect(ok(await world.api.get(`/api/agents/${agent.agent.id}`)).currentTaskId).toBeUndefined();

    // The agent does not know yet: its next call, whatever it is, tells it.
    const heartbeat = await agent.call('heartbeat');
    expect(heartbeat.isError).toBe(false);
    expect(heartbeat.structured).toMatchObject({ agent: { id: agent.agent.id, status: 'idle' } });
    expect(heartbeat.text).toMatch(new RegExp(`\nNotice: You no longer hold task ${task.id} .*dave merged pull request #${task.prNumber} in Gitea.*staging.*get_next_task`, 's'));
    expect(ok(await world.api.get(`/api/agents/${agent.agent.id}`)).notice).toBeUndefined();
    // Told once.
    expect((await agent.call('heartbeat')).text).not.toMatch(/Notice:/);
    // What it does next is refused as before, and the task says where it went.
    const moved = await agent.call('update_task_status', { taskId: task.id, state: 'ready_to_test' });
    expect(moved.isError).toBe(true);
    expect(moved.text).toMatch(/staging/);
    await agent.close();
  });

  it('a person cancelling or deleting the task an agent holds: the agent is told on its next call', async () => {
    for (const how of ['cancelled', 'deleted'] as const) {
      const task = ok(await world.api.post('/api/tasks', { projectId: project.id, title: `Taken away: ${how}` }), 201);
      const agent = await newAgent(world.runtime);
      expect((await agent.call('get_next_task', { projectId: project.id })).structured.task.id).toBe(task.id);
      if (how === 'cancelled') ok(await world.api.patch(`/api/tasks/${task.id}`, { state: 'cancelled' }));
      else ok(await world.api.delete(`/api/tasks/${task.id}`));
      const next = await agent.call('get_next_task', { projectId: project.id });
      expect(next.structured.task).toBeNull();
      expect(next.text).toMatch(new RegExp(`Notice: You no longer hold task ${task.id} .*The admin ${how === 'cancelled' ? 'moved the task from in_progress to cancelled' : 'deleted it'}`, 'i'));
      await agent.close();
    }
  });

  it('an agent moving its own task is told nothing', async () => {
    const { agent } = await taskInReview(world, project, 'Own hand-over');
    expect((await agent.call('heartbeat')).text).not.toMatch(/Notice:/);
    await agent.close();
  });
});
