import { ok, type ApiClient } from './http.js';

let counter = 0;

export async function createProject(api: ApiClient, overrides: Record<string, unknown> = {}) {
  counter++;
  return ok(await api.post('/api/projects', { name: `Project ${counter}`, giteaOwner: 'aiworker', giteaRepo: `repo-${counter}`, ...overrides }), 201);
}

export async function createTask(api: ApiClient, projectId: string, overrides: Record<string, unknown> = {}) {
  counter++;
  return ok(await api.post('/api/tasks', { projectId, title: `Task ${counter}`, ...overrides }), 201);
}

export async function registerAgent(api: ApiClient, overrides: Record<string, unknown> = {}) {
  counter++;
  return ok(await api.post('/api/agents', { name: `agent-${counter}`, capabilities: ['typescript'], ...overrides }), 201);
}
