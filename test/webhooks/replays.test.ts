import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectError, ok } from '../helpers/http.js';
import { recordWrites } from '../helpers/write-recorder.js';
import { standInTarget } from '../jobs/helpers.js';
import { commentPayload, eventsOf, pullPayload, reviewProject, startWorld, taskInReview, type World } from './world.js';

/**
 * Gitea's own "Replay" button sends a stored delivery again under a new X-Gitea-Delivery: a stale review
 * must not send a task back again, nor a stale comment answer a newer question. And reviews are ordered by
 * the instants their time stamps name, whatever offset Gitea wrote them with.
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

const base = (task: any) => ({ owner: project.giteaOwner, repo: project.giteaRepo, number: task.prNumber });

describe('a delivery replayed under a new delivery id', () => {
  it('a stale "changes requested" does not send the task back again once the agent is done', async () => {
    const { task, agent } = await taskInReview(world, project, 'Replayed review');
    const rejected = pullPayload({ ...base(task), action: 'reviewed', sender: 'bob', updatedAt: '2026-11-25T10:00:00Z', review: { type: 'pull_request_review_rejected', content: 'Rename the route.' } });
    expect((await world.deliver('pull_request_review_rejected', rejected)).body.data).toMatchObject({ outcome: 'applied', state: 'in_progress' });
    const done = await agent.call('update_task_status', { taskId: task.id, state: 'ready_to_test' });
    expect(done.isError, done.text).toBe(false);
    const events = await eventsOf(world, task.id);

    const replay = await world.deliver('pull_request_review_rejected', rejected, { delivery: randomUUID() });
    expect(replay.status).toBe(200);
    expect(replay.body.data).toMatchObject({ outcome: 'duplicate' });
    expect(ok(await world.api.get(`/api/tasks/${task.id}`)).state).toBe('ready_to_test');
    expect(await eventsOf(world, task.id)).toEqual(events);
    await agent.close();
  });

  it('a stale comment does not answer the newer question', async () => {
    const { task, agent } = await taskInReview(world, project, 'Replayed comment');
    ok(await world.api.patch(`/api/tasks/${task.id}`, { state: 'in_progress' }));
    expect((await agent.call('update_task_status', { taskId: task.id, state: 'needs_input', question: 'Which provider?' })).isError).toBe(false);
    const answer = { ...commentPayload({ ...base(task), sender: 'carol', body: 'Use Gitea.' }), comment: { id: 4242, body: 'Use Gitea.', user: { id: 2, login: 'carol' } } };
    expect((await world.deliver('pull_request_comment', answer)).body.data).toMatchObject({ outcome: 'applied', state: 'in_progress' });
    expect((await agent.call('update_task_status', { taskId: task.id, state: 'needs_input', question: 'Which colour for the button?' })).isError).toBe(false);

    // The same comment (its id), replayed later: Gitea moves the issue's updated_at, the comment is the same.
    const replayed = { ...answer, issue: { ...answer.issue, updated_at: new Date(Date.now() + 60_000).toISOString() } };
    const replay = await world.deliver('pull_request_comment', replayed, { delivery: randomUUID() });
    expect(replay.body.data).toMatchObject({ outcome: 'duplicate' });
    const now = ok(await world.api.get(`/api/tasks/${task.id}`));
    expect(now).toMatchObject({ state: 'needs_input', question: 'Which colour for the button?' });
    await agent.close();
  });

  it('a new review that says the same thing later is not a replay', async () => {
    const { task, agent } = await taskInReview(world, project, 'Twice rejected');
    const rejected = (updatedAt: string) =>
      pullPayload({ ...base(task), action: 'reviewed', sender: 'bob', updatedAt, review: { type: 'pull_request_review_rejected', content: 'Still failing.' } });
    expect((await world.deliver('pull_request_review_rejected', rejected('2026-11-25T11:00:00Z'))).body.data).toMatchObject({ outcome: 'applied', state: 'in_progress' });
    expect((await agent.call('update_task_status', { taskId: task.id, state: 'ready_to_test' })).isError).toBe(false);
    expect((await world.deliver('pull_request_review_rejected', rejected('2026-11-25T11:05:00Z'))).body.data).toMatchObject({ outcome: 'applied', state: 'in_progress' });
    await agent.close();
  });
});

describe('reviews ordered by instants', () => {
  it('an approval stamped 10:30+01:00 is older than changes requested at 10:00Z: the task goes back to the agent', async () => {
    const { task, agent } = await taskInReview(world, project, 'Offsets');
    const approved = pullPayload({ ...base(task), action: 'reviewed', sender: 'alice', updatedAt: '2026-11-25T10:30:00+01:00', review: { type: 'pull_request_review_approved', content: '' } });
    expect((await world.deliver('pull_request_review_approved', approved)).body.data).toMatchObject({ outcome: 'applied', state: 'approved' });
    const rejected = pullPayload({ ...base(task), action: 'reviewed', sender: 'bob', updatedAt: '2026-11-25T10:00:00Z', review: { type: 'pull_request_review_rejected', content: 'One more thing.' } });
    const response = await world.deliver('pull_request_review_rejected', rejected);
    expect(response.body.data).toMatchObject({ outcome: 'applied', state: 'in_progress' });
    expect(ok(await world.api.get(`/api/tasks/${task.id}`))).toMatchObject({ state: 'in_progress', assignedAgentId: agent.agent.id });
    await agent.close();
  });

  it('a time stamp that is no instant is a 400 that says which, and changes nothing', async () => {
    const { task, agent } = await taskInReview(world, project, 'Bad stamp');
    await world.gitea.standIn?.reviewLoop.idle();
    const recorder = recordWrites();
    try {
      const payload = pullPayload({ ...base(task), action: 'reviewed', sender: 'alice', updatedAt: 'yesterday-ish', review: { type: 'pull_request_review_approved', content: '' } });
      expectError(await world.deliver('pull_request_review_approved', payload), 400, 'VALIDATION_ERROR', /pull_request\.updated_at/);
      expect(recorder.writes).toEqual([]);
    } finally {
      recorder.stop();
    }
    await agent.close();
  });
});
