import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, ok, type ApiClient } from '../helpers/http.js';
import { createProject, createTask } from '../helpers/fixtures.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { taskInProgress } from './helpers.js';

let runtime: Runtime;
let api: ApiClient;

beforeAll(async () => {
  // No worker: jobs stay queued, so these tests see exactly what the request path does.
  runtime = await startTestRuntime({ worker: false });
  api = apiClient(runtime.url, runtime.adminToken);
});
afterAll(() => runtime?.stop());

describe('asking for Gitea work over REST', () => {
  it('answers 202 with a queued job, listed under the task, and returns the same job while it is pending', async () => {
    const project = await createProject(api);
    const task = await taskInProgress(api, project.id, 'Résumé upload');
    const response = await api.post(`/api/tasks/${task.id}/branch`);
    expect(response.status).toBe(202);
    const job = response.body.data;
    expect(job).toMatchObject({
      type: 'create_branch',
      status: 'queued',
      attempts: 0,
      taskId: task.id,
      projectId: project.id,
      version: 1,
      input: { owner: project.giteaOwner, repo: project.giteaRepo, from: 'main', branch: `task-${task.id.replace(/-/g, '').slice(0, 8)}-resume-upload` },
    });
    expect(ok(await api.get(`/api/jobs/${job.id}`))).toEqual(job);
    expect(ok(await api.post(`/api/tasks/${task.id}/branch`), 202).id).toBe(job.id);
    const listed = await api.get(`/api/tasks/${task.id}/jobs`);
    expect(listed.body).toMatchObject({ success: true, count: 1, data: [job] });
  });

  it('refuses work the task is not ready for, with a 409 that says why, and records nothing', async () => {
    const project = await createProject(api);
    const backlog = await createTask(api, project.id);
    const notStarted = await api.post(`/api/tasks/${backlog.id}/branch`);
    expect(notStarted.status).toBe(409);
    expect(notStarted.body.error.message).toContain("is in 'backlog'");

    const task = await taskInProgress(api, project.id);
    const noBranch = await api.post(`/api/tasks/${task.id}/pull-request`, { title: 'Too early' });
    expect(noBranch.status).toBe(409);
    expect(noBranch.body.error.message).toContain(`POST /api/tasks/${task.id}/branch`);
    const branchJob = ok(await api.post(`/api/tasks/${task.id}/branch`), 202);
    const stillQueued = await api.post(`/api/tasks/${task.id}/pull-request`);
    expect(stillQueued.status).toBe(409);
    expect(stillQueued.body.error.message).toContain(`branch job '${branchJob.id}' is queued`);

    const noMerge = await api.post(`/api/tasks/${task.id}/merge`);
    expect(noMerge.status).toBe(409);
    expect(ok(await api.get(`/api/tasks/${task.id}/jobs`)).map((job: any) => job.type)).toEqual(['create_branch']);
  });

  it('validates the optional pull-request body and the ids', async () => {
    const project = await createProject(api);
    const task = await taskInProgress(api, project.id);
    const bad = await api.post(`/api/tasks/${task.id}/pull-request`, { title: 'ok', draft: true });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('draft');
    expect((await api.get('/api/jobs/no-such-job')).status).toBe(404);
    expect((await api.post('/api/tasks/no-such-task/branch')).status).toBe(404);
    expect((await api.get('/api/tasks/no-such-task/jobs')).status).toBe(404);
    expect((await apiClient(runtime.url).get(`/api/tasks/${task.id}/jobs`)).status).toBe(401);
  });

  it('creates a project with a create_repository job when asked to', async () => {
    const plain = await createProject(api);
    expect(plain.repositoryJobId).toBeUndefined();
    expect('createRepository' in plain).toBe(false);
    const project = await createProject(api, { createRepository: true, defaultBranch: 'trunk', description: 'With a repo' });
    expect('createRepository' in project).toBe(false);
    const job = ok(await api.get(`/api/jobs/${project.repositoryJobId}`));
    expect(job).toMatchObject({
      type: 'create_repository',
      status: 'queued',
      projectId: project.id,
      input: { owner: project.giteaOwner, repo: project.giteaRepo, defaultBranch: 'trunk', description: 'With a repo' },
    });
    expect(job.taskId).toBeUndefined();
    expect(ok(await api.get(`/api/projects/${project.id}`))).not.toHaveProperty('createRepository');
  });
});
