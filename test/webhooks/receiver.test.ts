import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectError, ok } from '../helpers/http.js';
import { recordWrites } from '../helpers/write-recorder.js';
import { standInTarget } from '../jobs/helpers.js';
import { commentPayload, eventsOf, pullPayload, reviewProject, sign, startWorld, taskInReview, type World } from './world.js';

/**
 * POST /api/webhooks/gitea with payloads shaped like Gitea's and real HMAC-SHA256 signatures: what each
 * event does to the task, replays, deliveries out of order, and every kind of bad request (nothing written).
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

const at = (second: number) => `2026-11-25T10:00:${String(second).padStart(2, '0')}Z`;

function forTask(task: any) {
  const base = { owner: project.giteaOwner, repo: project.giteaRepo, number: task.prNumber };
  return {
    approved: (sender: string, updatedAt?: string) =>
      pullPayload({ ...base, action: 'reviewed', sender, updatedAt, review: { type: 'pull_request_review_approved', content: 'Looks good' } }),
    rejected: (sender: string, content: string, updatedAt?: string) =>
      pullPayload({ ...base, action: 'reviewed', sender, updatedAt, review: { type: 'pull_request_review_rejected', content } }),
    merged: (sender: string) => pullPayload({ ...base, action: 'closed', sender, merged: true }),
    closed: (sender: string) => pullPayload({ ...base, action: 'closed', sender, merged: false }),
    sync: (sender: string) => pullPayload({ ...base, action: 'synchronized', sender }),
    comment: (sender: string, body: string) => commentPayload({ ...base, sender, body }),
  };
}

describe('authentication: only a valid X-Gitea-Signature gets in', () => {
  it('refuses a missing, wrong, malformed or other-secret signature and a tampered body with 401, writing nothing', async () => {
    const { task } = await taskInReview(world, project, 'Signed only');
    const payload = forTask(task).approved('alice');
    const raw = JSON.stringify(payload);
    await world.gitea.standIn?.reviewLoop.idle();
    const recorder = recordWrites();
    try {
      const attempts = [
        await world.deliver('pull_request_review_approved', payload, { signature: null }),
        await world.deliver('pull_request_review_approved', payload, { secret: 'not-the-secret' }),
        await world.deliver('pull_request_review_approved', payload, { signature: 'sha256=' + sign(world.secret, raw) }),
        await world.deliver('pull_request_review_approved', payload, { signature: sign(world.secret, raw).slice(0, 63) + 'g' }),
        await world.deliver('pull_request_review_approved', payload, { raw: raw.replace('Looks good', 'Looks bad'), signature: sign(world.secret, raw) }),
        // Garbage with no signature is a 401, not a 400: nothing is read before the signature is checked.
        await world.deliver('pull_request_review_approved', undefined, { raw: '{not json', signature: null }),
      ];
      for (const response of attempts) expectError(response, 401, 'UNAUTHORIZED');
      expect(recorder.writes).toEqual([]);
    } finally {
      recorder.stop();
    }
    expect(ok(await world.api.get(`/api/tasks/${task.id}`)).state).toBe('ready_to_test');
  });

  it('says plainly what is wrong with a signed but malformed delivery (400/413) and writes nothing', async () => {
    const { task } = await taskInReview(world, project, 'Malformed');
    await world.gitea.standIn?.reviewLoop.idle();
    const recorder = recordWrites();
    try {
      expectError(await world.deliver('pull_request_review_approved', undefined, { raw: '{"action": "reviewed",' }), 400, 'INVALID_JSON');
      const noPull = { ...forTask(task).approved('alice'), pull_request: undefined };
      expectError(await world.deliver('pull_request_review_approved', noPull), 400, 'VALIDATION_ERROR', /pull_request/);
      expectError(await world.deliver('pull_request_comment', { action: 'created', repository: {} }), 400, 'VALIDATION_ERROR', /issue/);
      expectError(await world.deliver('pull_request_review_approved', forTask(task).approved('alice'), { delivery: 'not a delivery id!' }), 400, 'VALIDATION_ERROR', /X-Gitea-Delivery/);
      const huge = JSON.stringify({ ...forTask(task).approved('alice'), padding: 'x'.repeat(1024 * 1024) });
      expectError(await world.deliver('pull_request_review_approved', undefined, { raw: huge }), 413, 'PAYLOAD_TOO_LARGE');
      expect(recorder.writes).toEqual([]);
    } finally {
      recorder.stop();
    }
  });

  it('acknowledges event types and repositories it does not act on, changing nothing', async () => {
    const push = await world.deliver('push', { ref: 'refs/heads/main', repository: { name: project.giteaRepo, owner: { login: project.giteaOwner } } });
    expect(push.status).toBe(200);
    expect(push.body.data).toMatchObject({ outcome: 'ignored', event: 'push' });
    const elsewhere = await world.deliver('pull_request_review_approved', pullPayload({ owner: 'someone', repo: 'else', number: 1, action: 'reviewed', sender: 'alice', review: { type: 'pull_request_review_approved', content: '' } }));
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body.data).toMatchObject({ outcome: 'ignored', message: expect.stringContaining('someone/else') });
    const notOurs = await world.deliver('pull_request_review_approved', pullPayload({ owner: project.giteaOwner, repo: project.giteaRepo, number: 999, action: 'reviewed', sender: 'alice', review: { type: 'pull_request_review_approved', content: '' } }));
    expect(notOurs.body.data).toMatchObject({ outcome: 'ignored', message: expect.stringContaining('#999') });
  });
});

describe('effects on the task, attributed to the Gitea user', () => {
  it('approval → approved; a replayed delivery changes nothing', async () => {
    const { task } = await taskInReview(world, project, 'Approve me');
    const delivery = randomUUID();
    const first = await world.deliver('pull_request_review_approved', forTask(task).approved('alice'), { delivery });
    expect(first.body.data).toMatchObject({ outcome: 'applied', taskId: task.id, state: 'approved' });
    const eventsAfterFirst = await eventsOf(world, task.id);
    const replay = await world.deliver('pull_request_review_approved', forTask(task).approved('alice'), { delivery });
    expect(replay.status).toBe(200);
    expect(replay.body.data).toMatchObject({ outcome: 'duplicate' });
    const now = ok(await world.api.get(`/api/tasks/${task.id}`));
    expect(now.state).toBe('approved');
    expect(await eventsOf(world, task.id)).toEqual(eventsAfterFirst);
    expect(eventsAfterFirst.at(-1)).toMatchObject({ type: 'pull_request_approved', from: 'ready_to_test', to: 'approved', actor: 'gitea:alice' });
  });

  it('changes requested → in_progress for the same agent with the text in feedback, which get_task and get_next_task show', async () => {
    const { task, agent } = await taskInReview(world, project, 'Needs work');
    const response = await world.deliver('pull_request_review_rejected', forTask(task).rejected('bob', 'Please add tests for the login form.'));
    expect(response.body.data).toMatchObject({ outcome: 'applied', state: 'in_progress' });
    const now = ok(await world.api.get(`/api/tasks/${task.id}`));
    expect(now).toMatchObject({ state: 'in_progress', assignedAgentId: agent.agent.id });
    expect(now.feedback).toContain('Please add tests for the login form.');
    expect(now.feedback).toContain('bob requested changes');
    const seen = await agent.call('get_task', { taskId: task.id });
    expect(seen.structured.task.feedback).toContain('Please add tests for the login form.');
    const resumed = await agent.call('get_next_task', {});
    expect(resumed.structured).toMatchObject({ resumed: true, task: { id: task.id, feedback: expect.stringContaining('add tests') } });
    expect((await eventsOf(world, task.id)).at(-1)).toMatchObject({ type: 'sent_back', to: 'in_progress', actor: 'gitea:bob' });
    await agent.close();
  });

  it("a person's comment is added to feedback and answers a question; aiworker's own comments are not", async () => {
    const { task, agent } = await taskInReview(world, project, 'Questions');
    ok(await world.api.patch(`/api/tasks/${task.id}`, { state: 'in_progress' }));
    const asked = await agent.call('update_task_status', { taskId: task.id, state: 'needs_input', question: 'Which OAuth provider?' });
    expect(asked.isError, asked.text).toBe(false);

    const own = await world.deliver('pull_request_comment', forTask(task).comment('aiworker', 'Opened by aiworker'));
    expect(own.body.data).toMatchObject({ outcome: 'ignored' });
    const answer = await world.deliver('pull_request_comment', forTask(task).comment('carol', 'Use Gitea as the provider.'));
    expect(answer.body.data).toMatchObject({ outcome: 'applied', state: 'in_progress' });
    const now = ok(await world.api.get(`/api/tasks/${task.id}`));
    expect(now).toMatchObject({ state: 'in_progress', lastResponse: 'Use Gitea as the provider.', assignedAgentId: agent.agent.id });
    expect(now.feedback).toContain('carol commented');
    expect(now.feedback).not.toContain('Opened by aiworker');
    expect((await eventsOf(world, task.id)).at(-1)).toMatchObject({ type: 'responded', from: 'needs_input', to: 'in_progress', actor: 'gitea:carol' });

    const later = await world.deliver('pull_request_comment', forTask(task).comment('carol', 'Also keep the button blue.'));
    expect(later.body.data).toMatchObject({ outcome: 'applied', state: 'in_progress' });
    expect(ok(await world.api.get(`/api/tasks/${task.id}`)).feedback).toMatch(/Use Gitea as the provider\.[\s\S]*Also keep the button blue\./);
    await agent.close();
  });

  it('merged in Gitea → staging even without approval (and says so); new commits → an event', async () => {
    const { task } = await taskInReview(world, project, 'Merged unapproved');
    const sync = await world.deliver('pull_request_sync', forTask(task).sync('aiworker'));
    expect(sync.body.data).toMatchObject({ outcome: 'applied', state: 'ready_to_test' });
    const merged = await world.deliver('pull_request', forTask(task).merged('dave'));
    expect(merged.body.data).toMatchObject({ outcome: 'applied', state: 'staging' });
    const events = await eventsOf(world, task.id);
    expect(events.map((event) => event.type)).toContain('pull_request_synchronized');
    expect(events.at(-1)).toMatchObject({ type: 'pull_request_merged', from: 'ready_to_test', to: 'staging', actor: 'gitea:dave' });
    expect(events.at(-1).message).toMatch(/without approval in aiworker/);
  });

  it('closed without merging → out of review, back to the backlog, with an event', async () => {
    const { task, agent } = await taskInReview(world, project, 'Closed');
    const closed = await world.deliver('pull_request', forTask(task).closed('erin'));
    expect(closed.body.data).toMatchObject({ outcome: 'applied', state: 'backlog' });
    const now = ok(await world.api.get(`/api/tasks/${task.id}`));
    expect(now.state).toBe('backlog');
    expect(now.assignedAgentId).toBeUndefined();
    expect((await eventsOf(world, task.id)).at(-1)).toMatchObject({ type: 'pull_request_closed', from: 'ready_to_test', to: 'backlog', actor: 'gitea:erin' });
    // Out of the way of the next tests' claims.
    ok(await world.api.patch(`/api/tasks/${task.id}`, { state: 'cancelled' }));
    await agent.close();
  });
});

describe('deliveries out of order converge on the state in-order delivery gives', () => {
  it('a merge then an older approval: staging either way', async () => {
    const { task } = await taskInReview(world, project, 'Late approval');
    await world.deliver('pull_request', forTask(task).merged('dave'));
    const late = await world.deliver('pull_request_review_approved', forTask(task).approved('alice', at(1)));
    expect(late.body.data).toMatchObject({ outcome: 'applied', state: 'staging' });
  });

  it('changes requested (newer) before an approval (older): back with the agent either way', async () => {
    const inOrder = await taskInReview(world, project, 'In order');
    await world.deliver('pull_request_review_approved', forTask(inOrder.task).approved('alice', at(1)));
    await world.deliver('pull_request_review_rejected', forTask(inOrder.task).rejected('bob', 'Rename the route.', at(2)));
    const outOfOrder = await taskInReview(world, project, 'Out of order');
    await world.deliver('pull_request_review_rejected', forTask(outOfOrder.task).rejected('bob', 'Rename the route.', at(2)));
    await world.deliver('pull_request_review_approved', forTask(outOfOrder.task).approved('alice', at(1)));

    const a = ok(await world.api.get(`/api/tasks/${inOrder.task.id}`));
    const b = ok(await world.api.get(`/api/tasks/${outOfOrder.task.id}`));
    expect(a.state).toBe('in_progress');
    expect(b.state).toBe(a.state);
    expect(b.assignedAgentId).toBe(outOfOrder.agent.agent.id);
    expect(b.feedback).toContain('Rename the route.');
    await inOrder.agent.close();
    await outOfOrder.agent.close();
  });
});
