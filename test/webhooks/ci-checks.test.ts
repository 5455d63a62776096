import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scheduleCheckSyncs } from '../../packages/core/src/services/ci-sync.js';
import { ok } from '../helpers/http.js';
import { eventually, standInTarget, waitForJob, type GiteaTarget } from '../jobs/helpers.js';
import { giteaAs } from './loop.js';
import { eventsOf, reviewProject, startWorld, taskInReview, taskWhen, type World } from './world.js';

/**
 * Commit statuses reach a task by Gitea's `status` webhook and by the sync_checks job (docs/ci.md); both
 * converge, replays and late deliveries change nothing twice; approval plus green CI merges when the
 * project says so; a preview still up after its pull request was merged is reported.
 */
let gitea: GiteaTarget;
let world: World;
let receiver: Server;
let receiverUrl: string;
const notified: Array<{ event: string; message: string; taskId?: string }> = [];

beforeAll(async () => {
  process.env.AIWORKER_NOTIFY_ALLOW_PRIVATE = 'true';
  process.env.AIWORKER_PREVIEW_GRACE_SECONDS = '0';
  // A sync per project every second (default every minute), so the tests need not wait.
  process.env.AIWORKER_CHECK_SYNC_SECONDS = '1';
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      notified.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
  gitea = await standInTarget();
  world = await startWorld(gitea);
});
afterEach(() => gitea.standIn?.assertNoViolations());
afterAll(async () => {
  await world?.stop();
  await gitea?.close();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  delete process.env.AIWORKER_PREVIEW_GRACE_SECONDS;
});

const ci = () => giteaAs(gitea.url, { login: gitea.owner, token: gitea.token });
const postStatus = (repo: string, sha: string, status: Record<string, string>) => ci()('POST', `/repos/${gitea.owner}/${repo}/statuses/${sha}`, status);
const headOf = async (repo: string, number: number) => (await ci()('GET', `/repos/${gitea.owner}/${repo}/pulls/${number}`)).head.sha as string;

describe('statuses by webhook', { timeout: 120_000 }, () => {
  it('a status for a head not known yet asks for a sync; replays and an older status delivered late change nothing', async () => {
    const project = await reviewProject(world);
    const { task } = await taskInReview(world, project, 'Add a status page');
    const head = await headOf(project.giteaRepo, task.prNumber);
    await postStatus(project.giteaRepo, head, { state: 'success', context: 'lint', description: 'clean' });
    await taskWhen(world, task.id, 'the head known from the sync job', (current) => current.checks?.sha === head && current.checks.state === 'success');

    // Gitea's deliveries held back and sent by the test: newest first, then the older one, then a replay.
    const loop = gitea.standIn!.reviewLoop;
    loop.pause();
    await postStatus(project.giteaRepo, head, { state: 'pending', context: 'ci/test', description: 'running' });
    await postStatus(project.giteaRepo, head, { state: 'success', context: 'ci/test', description: 'all green', target_url: 'https://ci.example.com/runs/7' });
    loop.resume({ drop: true });
    const [pending, green] = loop.deliveries.filter((delivery) => delivery.eventType === 'status').slice(-2);
    // Applied now, or already taken in from the combined status by a sync job the sweeper asked for: the same state either way.
    expect(['applied', 'duplicate']).toContain(JSON.parse((await loop.redeliver(green.id)).response).data.outcome);
    const applied = ok(await world.api.get(`/api/tasks/${task.id}`));
    expect(applied.checks.contexts).toEqual(
      expect.arrayContaining([expect.objectContaining({ context: 'ci/test', state: 'success', description: 'all green', targetUrl: 'https://ci.example.com/runs/7' })]),
    );
    expect(JSON.parse((await loop.redeliver(pending.id)).response).data.outcome).toBe('duplicate');
    expect(JSON.parse((await loop.redeliver(green.id)).response).data.outcome).toBe('duplicate');
    const after = ok(await world.api.get(`/api/tasks/${task.id}`));
    expect(after.version).toBe(applied.version);
    expect(after.checks).toEqual(applied.checks);
    expect(after.state).toBe('ready_to_test');
  });

  it('with autoMerge, an approved review and green CI merge the pull request (the merge job)', async () => {
    const project = await reviewProject(world);
    ok(await world.api.patch(`/api/projects/${project.id}`, { autoMerge: true }));
    const { task } = await taskInReview(world, project, 'Add a health check');
    const person = gitea.standIn!.reviewLoop.person('alice');
    await giteaAs(gitea.url, { login: person.user.login, token: person.token })('POST', `/repos/${gitea.owner}/${project.giteaRepo}/pulls/${task.prNumber}/reviews`, { event: 'APPROVED', body: 'Fine' });
    await taskWhen(world, task.id, 'approved', (current) => current.state === 'approved');
    await postStatus(project.giteaRepo, await headOf(project.giteaRepo, task.prNumber), { state: 'success', context: 'ci/test', description: 'green' });
    const merged = await taskWhen(world, task.id, 'merged by autoMerge', (current) => current.state === 'staging', 45_000);
    expect(merged.checks.state).toBe('success');
    expect((await gitea.pulls(project.giteaRepo)).find((pull) => pull.number === task.prNumber)?.merged).toBe(true);
    expect((await eventsOf(world, task.id)).some((event) => event.type === 'pull_request_merged' && event.actor === 'system:auto-merge')).toBe(true);
  });

  it('a preview shows on the task; one still up after the merge is reported to the notification URL', async () => {
    const project = await reviewProject(world);
    ok(await world.api.patch(`/api/projects/${project.id}`, { previewContext: 'preview', notifyUrl: receiverUrl }));
    const { task } = await taskInReview(world, project, 'Add a pricing page');
    const head = await headOf(project.giteaRepo, task.prNumber);
    await postStatus(project.giteaRepo, head, { state: 'pending', context: 'preview', description: 'deploying pr-1' });
    await postStatus(project.giteaRepo, head, { state: 'success', context: 'preview', description: 'deployed', target_url: 'https://pr-1.preview.example.com/' });
    await taskWhen(world, task.id, 'the preview', (current) => current.preview?.state === 'success');
    expect(ok(await world.api.get(`/api/tasks/${task.id}`)).preview).toMatchObject({ url: 'https://pr-1.preview.example.com/', state: 'success', sha: head });

    const person = gitea.standIn!.reviewLoop.person('bob');
    await giteaAs(gitea.url, { login: person.user.login, token: person.token })('POST', `/repos/${gitea.owner}/${project.giteaRepo}/pulls/${task.prNumber}/reviews`, { event: 'APPROVED', body: 'Ship it' });
    await taskWhen(world, task.id, 'approved', (current) => current.state === 'approved');
    const merge = ok(await world.api.post(`/api/tasks/${task.id}/merge`, {}), 202);
    expect((await waitForJob(world.api, merge.id ?? merge.job?.id)).status).toBe('succeeded');
    await taskWhen(world, task.id, 'staging', (current) => current.state === 'staging');

    // The workflow never posted "removed": the next syncs see it closed, then (grace 0 s) report it, once.
    const report = await eventually('the leaked preview reported', async () => {
      await scheduleCheckSyncs();
      return notified.find((notice) => notice.event === 'preview.leaked' && notice.taskId === task.id);
    });
    expect(report.message).toContain('https://pr-1.preview.example.com/');
    const reported = ok(await world.api.get(`/api/tasks/${task.id}`));
    expect(reported.preview.leakReportedAt).toBeDefined();
    expect((await eventsOf(world, task.id)).filter((event) => event.type === 'preview_leaked')).toHaveLength(1);
    await scheduleCheckSyncs();
    expect(ok(await world.api.get(`/api/tasks/${task.id}`)).preview.leakReportedAt).toBe(reported.preview.leakReportedAt);
  });
});
