/** A project gets its Gitea repository back after the Gitea stand-in (in memory) forgot it on a restart. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, expectError, ok, type ApiClient } from '../helpers/http.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { projectWithRepository, standInTarget, taskInProgress, useFastRetries, waitForJob, type GiteaTarget } from './helpers.js';

let gitea: GiteaTarget;
let runtime: Runtime;
let api: ApiClient;

describe('POST /api/projects/{id}/repository', () => {
  beforeAll(async () => {
    useFastRetries();
    gitea = await standInTarget();
    runtime = await startTestRuntime({ giteaUrl: gitea.url, giteaToken: gitea.token, sweeper: false });
    api = apiClient(runtime.url, runtime.adminToken);
  });
  afterAll(async () => {
    await runtime?.stop();
    await gitea?.close();
  });

  it('creates the repository again after Gitea forgot it, and branch jobs work again', async () => {
    const project = await projectWithRepository(api, gitea);
    gitea.standIn!.reset();
    expect(gitea.standIn!.state.repo(gitea.owner, project.giteaRepo)).toBeUndefined();
    const task = await taskInProgress(api, project.id);
    const failed = await waitForJob(api, ok(await api.post(`/api/tasks/${task.id}/branch`), 202).id);
    expect(failed.status).toBe('failed');

    const job = ok(await api.post(`/api/projects/${project.id}/repository`), 202);
    expect(job).toMatchObject({ type: 'create_repository', projectId: project.id, status: 'queued' });
    expect(await waitForJob(api, job.id)).toMatchObject({ status: 'succeeded' });
    expect(gitea.standIn!.state.repo(gitea.owner, project.giteaRepo)).toBeDefined();
    const branch = await waitForJob(api, ok(await api.post(`/api/tasks/${task.id}/branch`), 202).id);
    expect(branch.status).toBe('succeeded');
    // Asked again while it exists: the job finds it.
    expect(await waitForJob(api, ok(await api.post(`/api/projects/${project.id}/repository`), 202).id)).toMatchObject({ status: 'succeeded' });
    expectError(await api.post('/api/projects/no-such-project/repository'), 404, 'NOT_FOUND');
  });
});
