import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '@aiworker/gitea-standin';
import { ok } from '../helpers/http.js';
import { standInTarget } from '../jobs/helpers.js';
import { giteaAs, type Person } from '../webhooks/loop.js';
import { eventsOf, reviewProject, sign, startWorld, taskInReview, type World } from '../webhooks/world.js';

/**
 * Gitea's webhooks under a flood: every real delivery (recorded from the stand-in, Gitea's headers and
 * signatures) sent three times, all shuffled and concurrent, with forged and corrupted deliveries mixed
 * in. The task must end where in-order delivery takes it, each effect applied once, every forgery a 401.
 */
let world: World;
let person: Person;
let project: any;

beforeAll(async () => {
  world = await startWorld(await standInTarget());
  const { user, token } = world.gitea.standIn!.reviewLoop.person('alice');
  person = { login: user.login, token };
  project = await reviewProject(world);
});
afterEach(() => world.gitea.standIn?.assertNoViolations());
afterAll(async () => {
  await world?.stop();
  await world?.gitea.close();
});


function shuffle<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** Sends a recorded delivery to the receiver as Gitea does (same headers, same bytes). */
async function send(delivery: Pick<Delivery, 'headers' | 'body'>, override: Record<string, string> = {}, body = delivery.body) {
  const response = await fetch(`${world.runtime.url}/api/webhooks/gitea`, { method: 'POST', headers: { ...delivery.headers, ...override }, body });
  return { status: response.status, body: (await response.json()) as any };
}

function forgeries(deliveries: Delivery[], count: number) {
  return Array.from({ length: count }, (_, i) => {
    const original = deliveries[i % deliveries.length];
    switch (i % 4) {
      case 0:
        return () => send(original, { 'X-Gitea-Signature': sign('a guessed secret', original.body), 'X-Gitea-Delivery': randomUUID() });
      case 1:
        return () => send(original, { 'X-Gitea-Delivery': randomUUID() }, original.body.replace(/"action": "\w+"/, '"action": "closed"'));
      case 2:
        return () => send(original, { 'X-Gitea-Signature': '' });
      default:
        return () => send(original, { 'X-Gitea-Signature': original.headers['X-Gitea-Signature'].replace(/^./, (c) => (c === '0' ? '1' : '0')) });
    }
  });
}

describe('a flood of duplicated, shuffled and forged webhook deliveries', () => {
  it('converges on in-order state: requested changes, comment, approval, merge → staging, each applied once, every forgery refused', async () => {
    const { task, agent } = await taskInReview(world, project, 'Flooded');
    const repoPath = `/repos/${world.gitea.owner}/${project.giteaRepo}`;
    const asPerson = giteaAs(world.gitea.url, person);
    // Held back: the stand-in records these deliveries (Gitea's headers and signatures) without sending them.
    const loop = world.gitea.standIn!.reviewLoop;
    const before = loop.deliveries.length;
    loop.pause();
    await asPerson('POST', `${repoPath}/pulls/${task.prNumber}/reviews`, { event: 'REQUEST_CHANGES', body: 'Handle the empty password.' });
    world.gitea.standIn!.advanceClock(1100);
    await asPerson('POST', `${repoPath}/issues/${task.prNumber}/comments`, { body: 'And log failed attempts.' });
    world.gitea.standIn!.advanceClock(1100);
    await asPerson('POST', `${repoPath}/pulls/${task.prNumber}/reviews`, { event: 'APPROVED', body: '' });
    world.gitea.standIn!.advanceClock(1100);
    await asPerson('POST', `${repoPath}/pulls/${task.prNumber}/merge`, { Do: 'merge' });
    const recorded = loop.deliveries.slice(before).filter((delivery) => delivery.url.endsWith('/api/webhooks/gitea'));
    // The stand-in never sends these: the flood below is their delivery.
    loop.resume({ drop: true });
    expect(recorded.map((delivery) => delivery.eventType)).toEqual(['pull_request_review_rejected', 'pull_request_comment', 'pull_request_review_approved', 'pull_request']);

    const genuine = recorded.flatMap((delivery) => [0, 1, 2].map(() => () => send(delivery)));
    const forged = forgeries(recorded, 60);
    const results = await Promise.all(shuffle([...genuine, ...forged]).map((go) => go()));

    const statuses = results.map((result) => result.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(forged.length);
    expect(statuses.filter((status) => status === 200)).toHaveLength(genuine.length);
    const outcomes = results.filter((result) => result.status === 200).map((result) => result.body.data.outcome);
    expect(outcomes.filter((outcome) => outcome === 'applied')).toHaveLength(recorded.length);
    expect(outcomes.filter((outcome) => outcome === 'duplicate')).toHaveLength(recorded.length * 2);

    const now = ok(await world.api.get(`/api/tasks/${task.id}`));
    expect(now.state).toBe('staging');
    expect(now.feedback.match(/Handle the empty password\./g)).toHaveLength(1);
    expect(now.feedback.match(/And log failed attempts\./g)).toHaveLength(1);
    const fromGitea = (await eventsOf(world, task.id)).filter((event) => event.actor === 'gitea:alice');
    expect(fromGitea).toHaveLength(recorded.length);
    expect(fromGitea.some((event) => event.type === 'pull_request_merged' && event.to === 'staging')).toBe(true);
    // Whatever order it arrived in, the agent is not left holding a task that is in staging.
    const agentNow = ok(await world.api.get(`/api/agents/${agent.agent.id}`));
    expect(agentNow.currentTaskId === task.id && agentNow.status === 'busy').toBe(false);
    await agent.close();
  });

  it('an approval and a later request for changes, delivered in every order and twice, leave the task with its agent', async () => {
    const { task, agent } = await taskInReview(world, project, 'Reconsidered');
    const repoPath = `/repos/${world.gitea.owner}/${project.giteaRepo}`;
    const asPerson = giteaAs(world.gitea.url, person);
    const loop = world.gitea.standIn!.reviewLoop;
    const before = loop.deliveries.length;
    loop.pause();
    await asPerson('POST', `${repoPath}/pulls/${task.prNumber}/reviews`, { event: 'APPROVED', body: '' });
    world.gitea.standIn!.advanceClock(1100);
    await asPerson('POST', `${repoPath}/pulls/${task.prNumber}/reviews`, { event: 'REQUEST_CHANGES', body: 'On second thought: rename the route.' });
    const recorded = loop.deliveries.slice(before).filter((delivery) => delivery.url.endsWith('/api/webhooks/gitea'));
    loop.resume({ drop: true });

    // Newest first, then the whole lot again in the other order.
    for (const delivery of [...recorded].reverse()) expect((await send(delivery)).status).toBe(200);
    for (const delivery of recorded) expect((await send(delivery)).body.data.outcome).toBe('duplicate');
    const now = ok(await world.api.get(`/api/tasks/${task.id}`));
    expect(now).toMatchObject({ state: 'in_progress', assignedAgentId: agent.agent.id });
    expect(now.feedback).toContain('rename the route');
    await agent.close();
  });
});

