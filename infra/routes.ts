/**
 * The route table: every REST endpoint once, as data. The local runtime serves it, the SST stacks
 * create one function per entry, and the LocalStack deploy script reads it too.
 *
 * `handler` is the handler module, relative to the project root, without extension; it exports `handler`.
 * `auth`: `person` takes the admin token (as a bearer token or a board session) or any person signed in with
 * Gitea; `admin` the admin token or a signed-in admin (AIWORKER_ADMIN_LOGINS); `agent` also accepts the
 * token of the agent named by `{id}`; `holder` also accepts an agent token, for the task `{id}` that agent
 * holds (the service checks it); `none` is public.
 */
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';
export type RouteAuth = 'admin' | 'person' | 'agent' | 'holder' | 'none';

export interface RouteDefinition {
  method: HttpMethod;
  path: string;
  handler: string;
  auth: RouteAuth;
  summary: string;
}

const route = (method: HttpMethod, path: string, handler: string, summary: string, auth: RouteAuth = 'person'): RouteDefinition => ({
  method,
  path,
  handler: `functions/api/${handler}`,
  auth,
  summary,
});

export const routes: RouteDefinition[] = [
  route('GET', '/api', 'index', 'List every endpoint', 'none'),
  route('GET', '/api/health', 'health', 'Health check', 'none'),
  route('GET', '/api/openapi.json', 'openapi', 'OpenAPI 3.1 description of this API', 'none'),

  route('GET', '/api/projects', 'projects/list', 'List projects'),
  route('POST', '/api/projects', 'projects/create', 'Create a project'),
  route('GET', '/api/projects/{id}', 'projects/get', 'Get a project'),
  route('PATCH', '/api/projects/{id}', 'projects/update', 'Update a project'),
  route('DELETE', '/api/projects/{id}', 'projects/delete', 'Delete a project'),

  route('GET', '/api/tasks', 'tasks/list', 'List tasks (filters: projectId, state, assignedAgentId)'),
  route('POST', '/api/tasks', 'tasks/create', 'Create a task'),
  route('GET', '/api/tasks/{id}', 'tasks/get', 'Get a task'),
  route('PATCH', '/api/tasks/{id}', 'tasks/update', 'Update a task (fields and state)'),
  route('DELETE', '/api/tasks/{id}', 'tasks/delete', 'Delete a task'),
  route('POST', '/api/tasks/{id}/respond', 'tasks/respond', 'Answer a task waiting in needs_input'),
  route('GET', '/api/tasks/{id}/events', 'tasks/events', 'What happened to a task, oldest first'),
  route('POST', '/api/tasks/{id}/branch', 'tasks/branch', 'Create the task branch in Gitea (a job; 202)'),
  route('POST', '/api/tasks/{id}/pull-request', 'tasks/pull-request', 'Open the task pull request in Gitea (a job; 202)'),
  route('POST', '/api/tasks/{id}/merge', 'tasks/merge', 'Merge the pull request of an approved task (a job; 202)'),
  route('GET', '/api/tasks/{id}/jobs', 'tasks/jobs', 'Gitea jobs of a task, oldest first'),
  route('GET', '/api/tasks/{id}/log', 'tasks/log', "The task's live log after a cursor (people, or the agent holding the task)", 'holder'),
  route('POST', '/api/tasks/{id}/stop', 'tasks/stop', 'Stop the run: the runner ends the command, the task waits in the backlog for a retry'),
  route('POST', '/api/tasks/{id}/retry', 'tasks/retry', 'Let a task that was given back, stopped or whose job failed be claimed again'),
  route('GET', '/api/jobs/{id}', 'jobs/get', 'Get a Gitea job'),

  route('GET', '/api/agents', 'agents/list', 'List agents (filter: status)'),
  route('POST', '/api/agents', 'agents/register', 'Register an agent; returns its token once', 'admin'),
  route('GET', '/api/agents/{id}', 'agents/get', 'Get an agent'),
  route('PATCH', '/api/agents/{id}', 'agents/update', 'Update an agent', 'admin'),
  route('DELETE', '/api/agents/{id}', 'agents/delete', 'Delete an agent', 'admin'),
  route('POST', '/api/agents/{id}/heartbeat', 'agents/heartbeat', 'Record an agent heartbeat', 'agent'),

  route('POST', '/api/people/tokens', 'people/tokens/create', "Make a personal token for MCP clients (people's tools); returns it once"),
  route('GET', '/api/people/tokens', 'people/tokens/list', 'Your personal tokens (never the tokens themselves)'),
  route('DELETE', '/api/people/tokens/{id}', 'people/tokens/delete', 'Revoke one of your personal tokens'),

  route('GET', '/api/board', 'board', 'Everything the board shows in one read: tasks, agents, projects (ETag; 304 when unchanged)'),
  route('POST', '/api/auth/token', 'auth/token', 'Exchange the admin token for a board session (sets the session cookie)', 'none'),
  route('GET', '/api/auth/gitea/login', 'auth/gitea-login', 'Sign in with Gitea: redirects to Gitea (OAuth2 + PKCE)', 'none'),
  route('GET', '/api/auth/gitea/callback', 'auth/gitea-callback', 'Where Gitea sends the browser back after sign-in', 'none'),
  route('POST', '/api/auth/logout', 'auth/logout', 'Sign out: ends the session and clears the cookie', 'none'),
  route('GET', '/api/auth/me', 'auth/me', 'Who is signed in'),
  route('POST', '/api/webhooks/gitea', 'webhooks/gitea', "Gitea's webhooks (authenticated by X-Gitea-Signature, not a token)", 'none'),
  route('POST', '/api/projects/{id}/webhook', 'projects/webhook', "Register or update the project repository's Gitea webhook (a job; 202)"),
  route('POST', '/api/projects/{id}/repository', 'projects/repository', "Create the project's Gitea repository, or find it (a job; 202): e.g. after the Gitea stand-in forgot it"),
];
