import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, ok, type ApiClient } from '../helpers/http.js';
import { startTestRuntime, uniqueName } from '../helpers/runtime.js';
import { standInTarget, useFastRetries, waitForJob, type GiteaTarget } from '../jobs/helpers.js';
import { giteaAs } from './loop.js';
import { taskInReview, taskWhen, type World } from './world.js';

/**
 * Gitea 1.22 sends no `status` webhook: the sweeper asks for a sync_checks job per project with tasks in
 * review, which reads each pull request's head and its combined status (docs/ci.md). Here no webhook is
 * configured at all, and CI still reaches the agent.
 */
let gitea: GiteaTarget;
let runtime: Runtime;
let api: ApiClient;

beforeAll(async () => {
  useFastRetries();
  // A sync per project every second (default every minute), so the tests need not wait.
  process.env.AIWORKER_CHECK_SYNC_SECONDS = '1';
  gitea = await standInTarget();
  runtime = await startTestRuntime({ giteaUrl: gitea.url, giteaToken: gitea.token, sweeper: { intervalMs: 500 } });
  api = apiClient(runtime.url, runtime.adminToken);
});
afterEach(() => gitea.standIn?.assertNoViolations());
afterAll(async () => {
  await runtime?.stop();
  await gitea?.close();
});

const ci = () => giteaAs(gitea.url, { login: gitea.owner, token: gitea.token });

describe('statuses without a webhook', { timeout: 120_000 }, () => {
  it('the sweeper asks for sync_checks jobs: a failing status still sends the task back to its agent', async () => {
    {
      const repo = uniqueName('nohook');
      const project = ok(await api.post('/api/projects', { name: `No hook ${repo}`, giteaOwner: gitea.owner, giteaRepo: repo, createRepository: true }), 201);
      expect(project.webhookJobId).toBeUndefined();
      expect((await waitForJob(api, project.repositoryJobId)).status).toBe('succeeded');
      const plain = { runtime, api, gitea } as World;
      const { task } = await taskInReview(plain, project, 'Add a sitemap');
      const head = (await ci()('GET', `/repos/${gitea.owner}/${repo}/pulls/${task.prNumber}`)).head.sha;
      await ci()('POST', `/repos/${gitea.owner}/${repo}/statuses/${head}`, { state: 'failure', context: 'build', description: 'does not compile', target_url: 'https://ci.example.com/runs/9' });
      const back = await taskWhen(plain, task.id, 'sent back by the sync job', (current) => current.state === 'in_progress');
      expect(back.feedback).toContain('build: failure — does not compile (https://ci.example.com/runs/9)');
      expect(back.checks).toMatchObject({ sha: head, state: 'failure', rounds: 1 });
    }
  });
});
