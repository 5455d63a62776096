import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ok } from '../helpers/http.js';
import { waitForJob, type GiteaTarget } from '../jobs/helpers.js';
import { eventsOf, reviewProject, startWorld, taskInReview, taskWhen, type World } from './world.js';

/** A person using Gitea's API with their own token, as the web UI does for them. */
export interface Person {
  login: string;
  token: string;
}

export function giteaAs(url: string, person: Person) {
  return async <T = any>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${url.replace(/\/+$/, '')}/api/v1${path}`, {
      method,
      headers: { authorization: `token ${person.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`Gitea ${method} ${path} as ${person.login}: HTTP ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}

/**
 * The review loop through Gitea's own webhooks: an agent opens a pull request, a person requests changes
 * in Gitea, the agent sees the feedback and pushes again, the person comments, approves and merges, and
 * the task reaches staging — every step reaching aiworker only as a signed webhook from Gitea.
 */
export function reviewLoopSuite(target: () => Promise<GiteaTarget>, reviewer?: (gitea: GiteaTarget) => Promise<Person>) {
  let world: World;
  let person: Person;

  beforeAll(async () => {
    const gitea = await target();
    world = await startWorld(gitea);
    if (reviewer) person = await reviewer(gitea);
  });
  afterEach(() => world.gitea.standIn?.assertNoViolations());
  afterAll(async () => {
    await world?.stop();
    await world?.gitea.close();
  });

  it('registers one hook per repository, found by its URL and updated when synced again', async () => {
    const project = await reviewProject(world);
    const asAiworker = giteaAs(world.gitea.url, { login: world.gitea.owner, token: world.gitea.token });
    const receiver = `${process.env.AIWORKER_PUBLIC_URL}/api/webhooks/gitea`;
    const hooksBefore = (await asAiworker<any[]>('GET', `/repos/${world.gitea.owner}/${project.giteaRepo}/hooks`)).filter((hook) => hook.config.url === receiver);
    expect(hooksBefore).toEqual([
      expect.objectContaining({ type: 'gitea', active: true, config: expect.objectContaining({ url: receiver, content_type: 'json' }) }),
    ]);
    expect(hooksBefore[0].events.some((event: string) => event.startsWith('pull_request'))).toBe(true);

    const resync = ok(await world.api.post(`/api/projects/${project.id}/webhook`), 202);
    expect(resync).toMatchObject({ type: 'register_webhook', projectId: project.id, input: expect.objectContaining({ url: receiver }) });
    const done = await waitForJob(world.api, resync.id);
    expect(done).toMatchObject({ status: 'succeeded', result: { created: false, hookId: hooksBefore[0].id, url: receiver } });
    const hooksAfter = await asAiworker<any[]>('GET', `/repos/${world.gitea.owner}/${project.giteaRepo}/hooks`);
    expect(hooksAfter.filter((hook) => hook.config.url === receiver)).toHaveLength(1);
  });

  it.skipIf(!reviewer)('takes a task from pull request through requested changes, a second push, approval and a merge in Gitea to staging', async () => {
    const project = await reviewProject(world);
    const { task, agent, branch } = await taskInReview(world, project, 'Add a login page');
    const repoPath = `/repos/${world.gitea.owner}/${project.giteaRepo}`;
    const asPerson = giteaAs(world.gitea.url, person);

    // The person asks for changes in Gitea; the task goes back to the same agent with the text as feedback.
    await asPerson('POST', `${repoPath}/pulls/${task.prNumber}/reviews`, { event: 'REQUEST_CHANGES', body: 'Please validate the email field.' });
    const sentBack = await taskWhen(world, task.id, 'the task back in progress', (now) => now.state === 'in_progress');
    expect(sentBack).toMatchObject({ assignedAgentId: agent.agent.id, feedback: expect.stringContaining('Please validate the email field.') });
    const seen = await agent.call('get_next_task', {});
    expect(seen.structured).toMatchObject({ resumed: true, task: { id: task.id, feedback: expect.stringContaining('validate the email') } });

    // The agent pushes again (Gitea sends pull_request_sync) and hands the task back for review.
    await world.gitea.commit(project.giteaRepo, branch);
    await eventuallyEvent(world, task.id, 'pull_request_synchronized');
    const handedBack = await agent.call('update_task_status', { taskId: task.id, state: 'ready_to_test', note: 'Email validated' });
    expect(handedBack.isError, handedBack.text).toBe(false);

    // A comment is more feedback; the approval and the merge in Gitea move the task on.
    await asPerson('POST', `${repoPath}/issues/${task.prNumber}/comments`, { body: 'Thanks, looks right now.' });
    await taskWhen(world, task.id, 'the comment in feedback', (now) => (now.feedback ?? '').includes('looks right now'));
    await asPerson('POST', `${repoPath}/pulls/${task.prNumber}/reviews`, { event: 'APPROVED', body: '' });
    await taskWhen(world, task.id, 'the task approved', (now) => now.state === 'approved');
    await asPerson('POST', `${repoPath}/pulls/${task.prNumber}/merge`, { Do: 'merge' });
    const merged = await taskWhen(world, task.id, 'the task in staging', (now) => now.state === 'staging');
    expect(merged.feedback).toMatch(/validate the email field[\s\S]*looks right now/);

    const events = await eventsOf(world, task.id);
    const fromGitea = events.filter((event) => event.actor === `gitea:${person.login}`).map((event) => [event.type, event.to ?? null]);
    expect(fromGitea).toEqual([
      ['sent_back', 'in_progress'],
      ['pull_request_comment', null],
      ['pull_request_approved', 'approved'],
      ['pull_request_merged', 'staging'],
    ]);
    await agent.close();

    const standIn = world.gitea.standIn;
    if (standIn) {
      await standIn.reviewLoop.idle();
      const deliveries = standIn.reviewLoop.deliveries.filter((delivery) => delivery.url.endsWith('/api/webhooks/gitea'));
      expect(deliveries.every((delivery) => delivery.status === 200)).toBe(true);
      expect(deliveries.map((delivery) => [delivery.eventType, delivery.headers['X-Gitea-Event']])).toEqual(
        expect.arrayContaining([
          ['pull_request_review_rejected', 'pull_request_rejected'],
          ['pull_request_sync', 'pull_request'],
          ['pull_request_comment', 'issue_comment'],
          ['pull_request_review_approved', 'pull_request_approved'],
          ['pull_request', 'pull_request'],
        ]),
      );
    }
  });
}

async function eventuallyEvent(world: World, taskId: string, type: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if ((await eventsOf(world, taskId)).some((event) => event.type === type)) return;
    if (Date.now() > deadline) throw new Error(`No ${type} event on task ${taskId}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
