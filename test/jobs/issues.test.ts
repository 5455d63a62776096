import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectError, ok } from '../helpers/http.js';
import { newAgent } from '../mcp/mcp-client.js';
import { giteaAs, type Person } from '../webhooks/loop.js';
import { eventsOf, reviewProject, startWorld, taskWhen, type World } from '../webhooks/world.js';
import { eventually, standInTarget, waitForJob } from './helpers.js';

/**
 * Gitea issues in (docs/issues.md): a person files an issue with the project's label in Gitea and it becomes a
 * task; the agent's pull request closes it; the task's progress is one comment on the issue, edited in place;
 * editing, unlabelling and closing the issue follow the rules; a comment answers a waiting question; replays
 * and out-of-order deliveries change nothing twice. All through the stand-in's own webhooks.
 */
let world: World;
let project: any;
let bob: ReturnType<typeof giteaAs>;
let bobPerson: Person;
let repoPath: string;
let labelId: number;

beforeAll(async () => {
  world = await startWorld(await standInTarget());
  project = await reviewProject(world);
  repoPath = `/repos/${project.giteaOwner}/${project.giteaRepo}`;
  bobPerson = { login: 'bob', token: world.gitea.standIn!.reviewLoop.person('bob').token };
  bob = giteaAs(world.gitea.url, bobPerson);
  const label = await giteaAs(world.gitea.url, { login: 'aiworker', token: world.gitea.token })('POST', `${repoPath}/labels`, { name: 'aiworker', color: '0e8a16' });
  labelId = label.id;
});
afterEach(() => world.gitea.standIn?.assertNoViolations());
afterAll(async () => {
  await world?.stop();
  await world?.gitea.close();
});

async function labelProject() {
  ok(await world.api.patch(`/api/projects/${project.id}`, { issueLabel: 'aiworker' }));
}

/** The task made from issue `number`, once its webhook has arrived. */
function taskOfIssue(number: number, check: (task: any) => boolean = () => true) {
  return eventually(`the task of issue #${number}`, async () => {
    const tasks = ok(await world.api.get(`/api/tasks?projectId=${project.id}&limit=100`)) as any[];
    const found = tasks.find((task) => task.issue?.number === number);
    if (!found) return undefined;
    const full = ok(await world.api.get(`/api/tasks/${found.id}`));
    return check(full) ? full : undefined;
  }, 20_000);
}

/** The comments on the issue (as anyone sees them in Gitea). */
const commentsOn = (number: number) => bob<any[]>('GET', `${repoPath}/issues/${number}/comments`);

/** Waits until the issue's comments satisfy `check` (the progress job runs after the change). */
function commentsWhen(number: number, what: string, check: (comments: any[]) => boolean) {
  return eventually(what, async () => {
    const comments = await commentsOn(number);
    return check(comments) ? comments : undefined;
  }, 20_000);
}

const idle = () => world.gitea.standIn!.reviewLoop.idle();

/** Cancels the project's other backlog tasks, so the agent's claim gets this one. */
async function onlyClaimable(taskId: string) {
  const backlog = ok(await world.api.get(`/api/tasks?projectId=${project.id}&state=backlog&limit=100`)) as any[];
  for (const other of backlog.filter((t) => t.id !== taskId)) ok(await world.api.patch(`/api/tasks/${other.id}`, { state: 'cancelled' }));
}

describe('the issueLabel setting', () => {
  it('is validated, can be unset with null, and the hook asks Gitea for issue and issue_comment events', async () => {
    const before = ok(await world.api.get(`/api/projects/${project.id}`));
    expectError(await world.api.patch(`/api/projects/${project.id}`, { issueLabel: 'a,b' }), 400, 'VALIDATION_ERROR');
    expectError(await world.api.patch(`/api/projects/${project.id}`, { issueLabel: 'x'.repeat(51) }), 400, 'VALIDATION_ERROR');
    expect(ok(await world.api.get(`/api/projects/${project.id}`)).version).toBe(before.version);
    expect(ok(await world.api.patch(`/api/projects/${project.id}`, { issueLabel: 'aiworker' })).issueLabel).toBe('aiworker');
    expect(ok(await world.api.patch(`/api/projects/${project.id}`, { issueLabel: null })).issueLabel).toBeUndefined();
    const hooks = world.gitea.standIn!.reviewLoop.hooksOf(world.gitea.standIn!.state.repo(project.giteaOwner, project.giteaRepo)!);
    expect(hooks[0].events).toEqual(expect.arrayContaining(['issues', 'issue_label', 'issue_comment', 'pull_request']));
  });

  it('unset: a labelled issue stays an issue', async () => {
    const issue = await bob('POST', `${repoPath}/issues`, { title: 'Not for aiworker yet', labels: [labelId] });
    await idle();
    const tasks = ok(await world.api.get(`/api/tasks?projectId=${project.id}&limit=100`)) as any[];
    expect(tasks.some((task) => task.issue?.number === issue.number)).toBe(false);
  });
});

describe('an issue with the label', () => {
  beforeAll(labelProject);

  it('becomes a task, the agent works it through review and merge, the PR closes the issue, and one comment shows each step', async () => {
    const issue = await bob('POST', `${repoPath}/issues`, { title: 'Add a footer', body: 'With the year in it.', labels: [labelId] });
    const task = await taskOfIssue(issue.number);
    expect(task).toMatchObject({ title: 'Add a footer', description: 'With the year in it.', state: 'backlog', createdBy: 'gitea:bob', issue: { number: issue.number, url: issue.html_url } });
    await commentsWhen(issue.number, 'the progress comment (backlog)', (c) => c.length === 1 && /Waiting for an agent/.test(c[0].body));

    await onlyClaimable(task.id);
    const agent = await newAgent(world.runtime);
    const claimed = await agent.call('get_next_task', { projectId: project.id });
    expect(claimed.structured.task.id).toBe(task.id);
    const branch = await agent.call('create_branch', { taskId: task.id, wait: 20 });
    expect(branch.structured.job.status).toBe('succeeded');
    await commentsWhen(issue.number, 'the progress comment (in progress)', (c) => c.length === 1 && /`in_progress`/.test(c[0].body));
    await world.gitea.commit(project.giteaRepo, branch.structured.job.result.branch);
    const pull = await agent.call('create_pull_request', { taskId: task.id, wait: 20 });
    expect(pull.structured.job.status).toBe('succeeded');
    const inReview = ok(await world.api.get(`/api/tasks/${task.id}`));
    expect(inReview.state).toBe('ready_to_test');
    const pr = await bob('GET', `${repoPath}/pulls/${inReview.prNumber}`);
    expect(pr.body).toMatch(new RegExp(`Closes #${issue.number}\\b`));
    const reviewed = await commentsWhen(issue.number, 'the progress comment (in review)', (c) => c.length === 1 && /In review/.test(c[0].body));
    expect(reviewed[0].body).toContain(inReview.prUrl);

    // The normal flow: a person approves in Gitea, aiworker merges; the merge closes the issue.
    await bob('POST', `${repoPath}/pulls/${inReview.prNumber}/reviews`, { event: 'APPROVED', body: 'Fine.' });
    await taskWhen(world, task.id, 'approved', (t) => t.state === 'approved');
    const merge = ok(await world.api.post(`/api/tasks/${task.id}/merge`, {}), 202);
    expect((await waitForJob(world.api, merge.id)).status).toBe('succeeded');
    await eventually('the issue closed', async () => (await bob('GET', `${repoPath}/issues/${issue.number}`)).state === 'closed');
    await idle();
    const merged = await taskWhen(world, task.id, 'staging', (t) => t.state === 'staging');
    expect(merged.state).toBe('staging');
    const final = await commentsWhen(issue.number, 'the progress comment (merged)', (c) => c.length === 1 && /`staging`/.test(c[0].body));
    expect(final[0].id).toBe(reviewed[0].id);
    await agent.close();
  });

  it('editing the issue updates the task while in the backlog; unlabelling cancels it; labelling again brings it back; closing cancels it', async () => {
    const issue = await bob('POST', `${repoPath}/issues`, { title: 'Dark mode', body: 'Please.', labels: [labelId] });
    const task = await taskOfIssue(issue.number);
    await bob('PATCH', `${repoPath}/issues/${issue.number}`, { title: 'Dark mode everywhere', body: 'On every page.' });
    await taskOfIssue(issue.number, (t) => t.title === 'Dark mode everywhere' && t.description === 'On every page.');

    await bob('DELETE', `${repoPath}/issues/${issue.number}/labels/${labelId}`);
    await taskWhen(world, task.id, 'cancelled', (t) => t.state === 'cancelled');
    await bob('POST', `${repoPath}/issues/${issue.number}/labels`, { labels: [labelId] });
    await taskWhen(world, task.id, 'back in the backlog', (t) => t.state === 'backlog');
    await bob('PATCH', `${repoPath}/issues/${issue.number}`, { state: 'closed' });
    const closed = await taskWhen(world, task.id, 'cancelled by the close', (t) => t.state === 'cancelled');
    expect((await eventsOf(world, task.id)).map((e) => e.type)).toEqual(expect.arrayContaining(['created', 'issue_edited', 'issue_unlabelled', 'issue_reopened', 'issue_closed']));
    const tasks = ok(await world.api.get(`/api/tasks?projectId=${project.id}&limit=100`)) as any[];
    expect(tasks.filter((t) => t.issue?.number === issue.number)).toHaveLength(1);
    expect(closed.actor ?? 'gitea:bob').toBe('gitea:bob');
    await commentsWhen(issue.number, 'one comment saying cancelled', (c) => c.length === 1 && /`cancelled`/.test(c[0].body));
  });

  it('an edit is not applied past the backlog, and an approved task is not cancelled by closing the issue', async () => {
    const issue = await bob('POST', `${repoPath}/issues`, { title: 'Keep me', labels: [labelId] });
    const task = await taskOfIssue(issue.number);
    ok(await world.api.patch(`/api/tasks/${task.id}`, { state: 'in_progress' }));
    await bob('PATCH', `${repoPath}/issues/${issue.number}`, { title: 'Renamed' });
    await idle();
    await eventually('the edit noted', async () => (await eventsOf(world, task.id)).some((e) => e.type === 'issue_edited'));
    expect(ok(await world.api.get(`/api/tasks/${task.id}`)).title).toBe('Keep me');
    ok(await world.api.patch(`/api/tasks/${task.id}`, { state: 'ready_to_test' }));
    ok(await world.api.patch(`/api/tasks/${task.id}`, { state: 'approved' }));
    await bob('PATCH', `${repoPath}/issues/${issue.number}`, { state: 'closed' });
    await idle();
    expect(ok(await world.api.get(`/api/tasks/${task.id}`)).state).toBe('approved');
  });

  it('a comment on the issue answers the waiting question, attributed to its author; the progress comment is not an answer', async () => {
    const issue = await bob('POST', `${repoPath}/issues`, { title: 'Pick a colour', labels: [labelId] });
    const task = await taskOfIssue(issue.number);
    await onlyClaimable(task.id);
    const agent = await newAgent(world.runtime);
    expect((await agent.call('get_next_task', { projectId: project.id })).structured.task.id).toBe(task.id);
    expect((await agent.call('update_task_status', { taskId: task.id, state: 'needs_input', question: 'Blue or green?' })).isError).toBe(false);
    await commentsWhen(issue.number, 'the question on the issue', (c) => c.length === 1 && /Blue or green\?/.test(c[0].body));
    // The progress comment itself (aiworker's account) answers nothing, even delivered as new while the task waits.
    await idle();
    const own = world.gitea.standIn!.reviewLoop.deliveries.find((d) => d.eventType === 'issue_comment' && JSON.parse(d.body).issue.number === issue.number && JSON.parse(d.body).action === 'created')!;
    expect(JSON.parse(own.body).sender.login).toBe('aiworker');
    expect((await world.deliver('issue_comment', JSON.parse(own.body), { raw: own.body })).body.data.outcome).toBe('ignored');
    expect(ok(await world.api.get(`/api/tasks/${task.id}`)).state).toBe('needs_input');

    await bob('POST', `${repoPath}/issues/${issue.number}/comments`, { body: 'Green, please.' });
    const answered = await taskWhen(world, task.id, 'answered', (t) => t.state === 'in_progress');
    expect(answered.lastResponse).toBe('Green, please.');
    const responded = (await eventsOf(world, task.id)).find((e) => e.type === 'responded');
    expect(responded).toMatchObject({ actor: 'gitea:bob', from: 'needs_input', to: 'in_progress' });
    await commentsWhen(issue.number, 'the progress comment edited (answered)', (c) => c.length === 2 && /`in_progress`/.test(c[0].body) && !/Blue or green/.test(c[0].body));
    await agent.close();
  });
});

describe('replays and out-of-order deliveries', () => {
  beforeAll(labelProject);

  const sentFor = (number: number) => world.gitea.standIn!.reviewLoop.deliveries.filter((d) => d.eventType.startsWith('issue') && JSON.parse(d.body).issue?.number === number);

  it('a replayed opening (same body, new delivery id) makes no second task; an older snapshot arriving late changes nothing', async () => {
    const issue = await bob('POST', `${repoPath}/issues`, { title: 'Replay me', body: 'v1', labels: [labelId] });
    const task = await taskOfIssue(issue.number);
    const [opened] = sentFor(issue.number);
    const replay = await world.deliver('issues', JSON.parse(opened.body), { delivery: randomUUID(), raw: opened.body });
    expect(replay.body.data).toMatchObject({ outcome: 'duplicate' });

    // An edit, then the opening's snapshot again but an hour older: it must not undo the edit.
    await bob('PATCH', `${repoPath}/issues/${issue.number}`, { body: 'v2' });
    await taskOfIssue(issue.number, (t) => t.description === 'v2');
    const events = await eventsOf(world, task.id);
    const stale = JSON.parse(opened.body);
    stale.issue.updated_at = new Date(Date.parse(stale.issue.updated_at) - 3_600_000).toISOString();
    stale.issue.body = 'v0';
    expect((await world.deliver('issues', stale)).body.data).toMatchObject({ outcome: 'ignored' });
    const now = ok(await world.api.get(`/api/tasks/${task.id}`));
    expect(now.description).toBe('v2');
    expect(await eventsOf(world, task.id)).toEqual(events);
    const tasks = ok(await world.api.get(`/api/tasks?projectId=${project.id}&limit=100`)) as any[];
    expect(tasks.filter((t) => t.issue?.number === issue.number)).toHaveLength(1);
  });

  it('the same opening delivered twice at once makes one task', async () => {
    const standIn = world.gitea.standIn!;
    standIn.reviewLoop.pause();
    const issue = await bob('POST', `${repoPath}/issues`, { title: 'Raced', labels: [labelId] });
    standIn.reviewLoop.resume({ drop: true });
    await idle();
    const [opened] = sentFor(issue.number);
    const answers = await Promise.all([1, 2, 3].map(() => world.deliver('issues', JSON.parse(opened.body), { raw: opened.body })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.map((a) => a.body.data.outcome).sort()).toEqual(['applied', 'duplicate', 'duplicate']);
    const tasks = ok(await world.api.get(`/api/tasks?projectId=${project.id}&limit=100`)) as any[];
    expect(tasks.filter((t) => t.issue?.number === issue.number)).toHaveLength(1);
  });

  it('a replayed answer does not answer the next question; two progress jobs at once leave one comment', async () => {
    const issue = await bob('POST', `${repoPath}/issues`, { title: 'Ask twice', labels: [labelId] });
    const task = await taskOfIssue(issue.number);
    await commentsWhen(issue.number, 'the first progress comment', (c) => c.length === 1);
    await onlyClaimable(task.id);
    const agent = await newAgent(world.runtime);
    expect((await agent.call('get_next_task', { projectId: project.id })).structured.task.id).toBe(task.id);
    expect((await agent.call('update_task_status', { taskId: task.id, state: 'needs_input', question: 'First?' })).isError).toBe(false);
    await bob('POST', `${repoPath}/issues/${issue.number}/comments`, { body: 'Yes.' });
    await taskWhen(world, task.id, 'answered', (t) => t.state === 'in_progress');
    expect((await agent.call('update_task_status', { taskId: task.id, state: 'needs_input', question: 'Second?' })).isError).toBe(false);
    const answer = sentFor(issue.number).find((d) => d.eventType === 'issue_comment' && JSON.parse(d.body).comment.body === 'Yes.')!;
    expect((await world.deliver('issue_comment', JSON.parse(answer.body), { delivery: randomUUID(), raw: answer.body })).body.data.outcome).toBe('duplicate');
    expect(ok(await world.api.get(`/api/tasks/${task.id}`))).toMatchObject({ state: 'needs_input', question: 'Second?' });

    // Changes in quick succession: their jobs race; the issue still has one progress comment, showing the newest state.
    ok(await world.api.post(`/api/tasks/${task.id}/respond`, { response: 'Yes again.' }));
    expect((await agent.call('update_task_status', { taskId: task.id, state: 'needs_input', question: 'Third?' })).isError).toBe(false);
    const comments = await commentsWhen(issue.number, 'the newest question shown', (c) => c.filter((x) => x.user.login === 'aiworker').length === 1 && /Third\?/.test(c[0].body));
    expect(comments.filter((c) => /aiworker:task:/.test(c.body))).toHaveLength(1);
    await agent.close();
  });
});
