import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { projectWithRepository, standInTarget, useFastRetries, type GiteaTarget } from '../jobs/helpers.js';
import { admin, ERAS, newAgent, ok } from './mcp-client.js';

// The whole agent loop over MCP, with the runtime's own job worker talking to the Gitea stand-in.
let gitea: GiteaTarget;
let runtime: Runtime;
let api: ReturnType<typeof admin>;

beforeAll(async () => {
  useFastRetries();
  gitea = await standInTarget();
  runtime = await startTestRuntime({ giteaUrl: gitea.url, giteaToken: gitea.token });
  api = admin(runtime);
});
afterEach(() => gitea.standIn?.assertNoViolations());
afterAll(async () => {
  await runtime?.stop();
  await gitea?.close();
});

describe.each(ERAS)('a full agent loop over MCP (%s era)', (era) => {
  it('claim → create_branch(wait) → create_pull_request(wait) → ready_to_test with the PR URL, and the agent is free again', async () => {
    const project = await projectWithRepository(api, gitea);
    const task = ok(await api.post('/api/tasks', { projectId: project.id, title: 'Add a login page', description: 'With OAuth' }), 201);
    const agent = await newAgent(runtime, {}, era);
    if (era === 'modern') expect(agent.protocolVersion).toBe('2026-07-28');

    const claim = await agent.call('get_next_task', { projectId: project.id });
    expect(claim.structured.task).toMatchObject({ id: task.id, state: 'in_progress' });
    expect(claim.structured.project).toMatchObject({ giteaOwner: gitea.owner, giteaRepo: project.giteaRepo, defaultBranch: 'main' });

    const branch = await agent.call('create_branch', { taskId: task.id, wait: 20 });
    expect(branch.isError, branch.text).toBe(false);
    const branchName = `task-${task.id.replace(/-/g, '').slice(0, 8)}-add-a-login-page`;
    expect(branch.structured.job).toMatchObject({ type: 'create_branch', status: 'succeeded', result: { branch: branchName } });
    expect(branch.structured.task).toMatchObject({ branchName, state: 'in_progress' });
    expect(await gitea.branches(project.giteaRepo)).toContain(branchName);

    // The agent pushes its work to the branch (outside aiworker), then opens the pull request.
    await gitea.commit(project.giteaRepo, branchName);
    const pr = await agent.call('create_pull_request', { taskId: task.id, title: 'Login page', body: 'Adds OAuth login', wait: 20 });
    expect(pr.isError, pr.text).toBe(false);
    expect(pr.structured.job).toMatchObject({ type: 'create_pull_request', status: 'succeeded' });
    expect(pr.structured.task).toMatchObject({ state: 'ready_to_test', prUrl: expect.stringMatching(/^http/), prNumber: expect.any(Number) });
    const pulls = await gitea.pulls(project.giteaRepo);
    expect(pulls).toEqual([expect.objectContaining({ head: branchName, base: 'main', state: 'open' })]);

    // Through get_job and get_task the agent sees the same; it holds nothing and can claim again.
    expect((await agent.call('get_job', { jobId: pr.structured.job.id })).structured.job.result.url).toBe(pr.structured.task.prUrl);
    expect((await agent.call('get_task', { taskId: task.id })).structured.task.prUrl).toBe(pr.structured.task.prUrl);
    expect(ok(await api.get(`/api/agents/${agent.agent.id}`))).toMatchObject({ status: 'idle' });
    expect((await agent.call('get_next_task', { projectId: project.id })).structured.task).toBeNull();

    const types = ok(await api.get(`/api/tasks/${task.id}/events`)).map((event: { type: string }) => event.type);
    expect(types).toEqual(['created', 'claimed', 'branch_created', 'pull_request_opened']);
    await agent.close();
  });
});
