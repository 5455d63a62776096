import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startRuntime, type Runtime } from '../../packages/local/src/runtime.js';
import { apiClient, ok } from '../helpers/http.js';
import { createProject, createTask, registerAgent } from '../helpers/fixtures.js';
import { deployedUnderTest } from '../helpers/runtime.js';

const dataDir = mkdtempSync(join(tmpdir(), 'aiworker-restart-'));
let running: Runtime | undefined;

afterAll(async () => {
  await running?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Like `npm start` with its own DynamoDB Local (data under `dataDir/dynamodb`) and fauxqs; the admin token kept in `dataDir`. */
async function start(): Promise<Runtime> {
  delete process.env.AIWORKER_ADMIN_TOKEN; // the previous start put it in the environment; this one must find it on disk
  running = await startRuntime({ port: 0, dataDir });
  return running;
}

async function stop(runtime: Runtime) {
  await runtime.stop();
  running = undefined;
}

/** Java processes serving this test's data folder. */
const dynamoProcesses = () =>
  execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('DynamoDBLocal') && line.includes(join(dataDir, 'dynamodb')));

const listening = (endpoint: string) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port } = new URL(endpoint);
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => (socket.destroy(), resolve(false)));
  });

// Starts and stops its own local runtime: nothing to restart when testing a deployed system.
describe.skipIf(deployedUnderTest)('restarting the local runtime', () => {
  it('keeps projects, tasks, agents, agent tokens and the admin token, and leaves no Java process behind', async () => {
    const first = await start();
    expect(first.adminTokenSource).toMatch(/admin-token \(new\)/);
    expect(dynamoProcesses()).toHaveLength(1);
    const api = apiClient(first.url, first.adminToken);
    const project = await createProject(api, { name: 'Survivor' });
    const task = await createTask(api, project.id, { title: 'Outlive a restart', priority: 77 });
    const moved = ok(await api.patch(`/api/tasks/${task.id}`, { state: 'in_progress' }));
    const agent = await registerAgent(api, { name: 'persistent' });
    const { token, ...agentShown } = agent;
    await stop(first);

    expect(dynamoProcesses()).toEqual([]);
    expect(await listening(first.dynamoEndpoint)).toBe(false);
    expect(await listening(first.url)).toBe(false);

    const second = await start();
    expect(second.adminToken).toBe(first.adminToken);
    expect(second.adminTokenSource).toBe(join(dataDir, 'admin-token'));
    const again = apiClient(second.url, second.adminToken);
    expect(ok(await again.get(`/api/projects/${project.id}`))).toEqual(project);
    expect(ok(await again.get(`/api/tasks/${task.id}`))).toEqual(moved);
    expect(ok(await again.get(`/api/agents/${agent.id}`))).toEqual(agentShown);
    // The indexes came back too: lists and filters still find everything.
    expect(ok(await again.get(`/api/tasks?projectId=${project.id}&state=in_progress`)).map((item: { id: string }) => item.id)).toEqual([task.id]);
    expect(ok(await again.get('/api/agents?status=idle')).map((item: { id: string }) => item.id)).toEqual([agent.id]);
    expect(ok(await again.get(`/api/tasks/${task.id}/events`)).map((event: { to: string }) => event.to)).toEqual(['backlog', 'in_progress']);

    // The agent's token, issued before the restart, still works.
    const beat = ok(await apiClient(second.url, token).post(`/api/agents/${agent.id}/heartbeat`));
    expect(beat.version).toBe(2);
    // And the restarted runtime takes new writes.
    ok(await again.patch(`/api/tasks/${task.id}`, { state: 'ready_to_test', version: moved.version }));
    await stop(second);
    expect(dynamoProcesses()).toEqual([]);
  });
});
