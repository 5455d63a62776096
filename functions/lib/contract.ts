import * as z from 'zod/mini';
import { IdParamsSchema, PageQuerySchema, define } from '@aiworker/core/schemas/common';
import { ProjectUpdateSchema } from '@aiworker/core/schemas/project';
import { TaskCreateSchema, TaskListQuerySchema, TaskRespondSchema, TaskUpdateSchema } from '@aiworker/core/schemas/task';
import { AgentListQuerySchema, AgentRegisterSchema, AgentUpdateSchema } from '@aiworker/core/schemas/agent';
import { AdminTokenSignInSchema } from '@aiworker/core/schemas/auth';
import { PersonTokenCreateSchema, PersonTokenListQuerySchema } from '@aiworker/core/schemas/person-token';
import { ProjectCreateRequestSchema, PullRequestRequestSchema } from '@aiworker/core/schemas/job';
import { TaskLogQuerySchema } from '@aiworker/core/schemas/run';

/**
 * What each REST operation takes and returns, by `METHOD path` of the route table. Handlers validate with
 * these schemas and the OpenAPI document is generated from them, so the two cannot drift.
 *
 * One export per operation, each `define`d (marked pure): a function's bundle keeps only the operation its
 * handler imports, and so builds only that operation's schemas at a cold start.
 */
export interface Operation {
  /** `METHOD path`, as in the route table (infra/routes.ts). */
  key: string;
  params?: z.ZodMiniType;
  query?: z.ZodMiniType;
  body?: z.ZodMiniType;
  list?: boolean;
  status?: number;
  /** The body may be left out (an empty body counts as `{}`). */
  optionalBody?: boolean;
  /** A route a browser navigates to: it answers with a redirect, not the JSON envelope. */
  redirect?: string;
  /** Answered as it is, not in the envelope (`GET /api/openapi.json`: tools read the document by URL). */
  raw?: boolean;
}

const operation = <const K extends string, const O extends Omit<Operation, 'key'>>(key: K, definition: O): O & { key: K } => ({ ...definition, key });

/** For the OpenAPI document only: the receiver reads the raw bytes (the signature covers them). */
const GiteaWebhookBodySchema = /* @__PURE__ */ define(() =>
  z
    .looseObject({ action: z.optional(z.string()), repository: z.optional(z.looseObject({})), sender: z.optional(z.looseObject({})) })
    .check(
      z.describe('A Gitea webhook payload (pull_request, pull_request_sync, pull_request_review_*, pull_request_comment; issues, issue_label, issue_comment), signed with X-Gitea-Signature'),
      z.meta({ id: 'GiteaWebhook' }),
    ),
);

const NoQuery = /* @__PURE__ */ define(() => z.strictObject({}));
const DeleteQuery = /* @__PURE__ */ define(() => z.strictObject({ version: z.optional(z.coerce.number().check(z.int(), z.gte(1))) }));

export const indexOperation = /* @__PURE__ */ define(() => operation('GET /api', { query: NoQuery, list: true }));
export const healthOperation = /* @__PURE__ */ define(() => operation('GET /api/health', { query: NoQuery }));
export const openapiOperation = /* @__PURE__ */ define(() => operation('GET /api/openapi.json', { query: NoQuery, raw: true }));
export const projectsListOperation = /* @__PURE__ */ define(() => operation('GET /api/projects', { query: PageQuerySchema, list: true }));
export const projectsCreateOperation = /* @__PURE__ */ define(() =>
  operation('POST /api/projects', { query: NoQuery, body: ProjectCreateRequestSchema, status: 201 }),
);
export const projectsGetOperation = /* @__PURE__ */ define(() => operation('GET /api/projects/{id}', { params: IdParamsSchema, query: NoQuery }));
export const projectsUpdateOperation = /* @__PURE__ */ define(() =>
  operation('PATCH /api/projects/{id}', { params: IdParamsSchema, query: NoQuery, body: ProjectUpdateSchema }),
);
export const projectsDeleteOperation = /* @__PURE__ */ define(() => operation('DELETE /api/projects/{id}', { params: IdParamsSchema, query: DeleteQuery }));
export const tasksListOperation = /* @__PURE__ */ define(() => operation('GET /api/tasks', { query: TaskListQuerySchema, list: true }));
export const tasksCreateOperation = /* @__PURE__ */ define(() => operation('POST /api/tasks', { query: NoQuery, body: TaskCreateSchema, status: 201 }));
export const tasksGetOperation = /* @__PURE__ */ define(() => operation('GET /api/tasks/{id}', { params: IdParamsSchema, query: NoQuery }));
export const tasksUpdateOperation = /* @__PURE__ */ define(() =>
  operation('PATCH /api/tasks/{id}', { params: IdParamsSchema, query: NoQuery, body: TaskUpdateSchema }),
);
export const tasksDeleteOperation = /* @__PURE__ */ define(() => operation('DELETE /api/tasks/{id}', { params: IdParamsSchema, query: DeleteQuery }));
export const tasksRespondOperation = /* @__PURE__ */ define(() =>
  operation('POST /api/tasks/{id}/respond', { params: IdParamsSchema, query: NoQuery, body: TaskRespondSchema }),
);
export const tasksEventsOperation = /* @__PURE__ */ define(() =>
  operation('GET /api/tasks/{id}/events', { params: IdParamsSchema, query: PageQuerySchema, list: true }),
);
export const tasksBranchOperation = /* @__PURE__ */ define(() =>
  operation('POST /api/tasks/{id}/branch', { params: IdParamsSchema, query: NoQuery, status: 202 }),
);
export const tasksPullRequestOperation = /* @__PURE__ */ define(() =>
  operation('POST /api/tasks/{id}/pull-request', { params: IdParamsSchema, query: NoQuery, body: PullRequestRequestSchema, optionalBody: true, status: 202 }),
);
export const tasksMergeOperation = /* @__PURE__ */ define(() =>
  operation('POST /api/tasks/{id}/merge', { params: IdParamsSchema, query: NoQuery, status: 202 }),
);
export const tasksJobsOperation = /* @__PURE__ */ define(() =>
  operation('GET /api/tasks/{id}/jobs', { params: IdParamsSchema, query: PageQuerySchema, list: true }),
);
export const tasksLogOperation = /* @__PURE__ */ define(() =>
  operation('GET /api/tasks/{id}/log', { params: IdParamsSchema, query: TaskLogQuerySchema, list: true }),
);
export const tasksStopOperation = /* @__PURE__ */ define(() => operation('POST /api/tasks/{id}/stop', { params: IdParamsSchema, query: NoQuery }));
export const tasksRetryOperation = /* @__PURE__ */ define(() => operation('POST /api/tasks/{id}/retry', { params: IdParamsSchema, query: NoQuery }));
export const jobsGetOperation = /* @__PURE__ */ define(() => operation('GET /api/jobs/{id}', { params: IdParamsSchema, query: NoQuery }));
export const agentsListOperation = /* @__PURE__ */ define(() => operation('GET /api/agents', { query: AgentListQuerySchema, list: true }));
export const agentsRegisterOperation = /* @__PURE__ */ define(() => operation('POST /api/agents', { query: NoQuery, body: AgentRegisterSchema, status: 201 }));
export const agentsGetOperation = /* @__PURE__ */ define(() => operation('GET /api/agents/{id}', { params: IdParamsSchema, query: NoQuery }));
export const agentsUpdateOperation = /* @__PURE__ */ define(() =>
  operation('PATCH /api/agents/{id}', { params: IdParamsSchema, query: NoQuery, body: AgentUpdateSchema }),
);
export const agentsDeleteOperation = /* @__PURE__ */ define(() => operation('DELETE /api/agents/{id}', { params: IdParamsSchema, query: DeleteQuery }));
export const agentsHeartbeatOperation = /* @__PURE__ */ define(() => operation('POST /api/agents/{id}/heartbeat', { params: IdParamsSchema, query: NoQuery }));
export const peopleTokensCreateOperation = /* @__PURE__ */ define(() =>
  operation('POST /api/people/tokens', { query: NoQuery, body: PersonTokenCreateSchema, status: 201 }),
);
export const peopleTokensListOperation = /* @__PURE__ */ define(() => operation('GET /api/people/tokens', { query: PersonTokenListQuerySchema, list: true }));
export const peopleTokensDeleteOperation = /* @__PURE__ */ define(() => operation('DELETE /api/people/tokens/{id}', { params: IdParamsSchema, query: NoQuery }));
export const webhooksGiteaOperation = /* @__PURE__ */ define(() => operation('POST /api/webhooks/gitea', { query: NoQuery, body: GiteaWebhookBodySchema }));
export const projectsWebhookOperation = /* @__PURE__ */ define(() =>
  operation('POST /api/projects/{id}/webhook', { params: IdParamsSchema, query: NoQuery, status: 202 }),
);
export const projectsRepositoryOperation = /* @__PURE__ */ define(() =>
  operation('POST /api/projects/{id}/repository', { params: IdParamsSchema, query: NoQuery, status: 202 }),
);
export const boardOperation = /* @__PURE__ */ define(() => operation('GET /api/board', { query: NoQuery }));
export const authTokenOperation = /* @__PURE__ */ define(() => operation('POST /api/auth/token', { query: NoQuery, body: AdminTokenSignInSchema }));
export const authLogoutOperation = /* @__PURE__ */ define(() => operation('POST /api/auth/logout', { query: NoQuery }));
export const authMeOperation = /* @__PURE__ */ define(() => operation('GET /api/auth/me', { query: NoQuery }));
export const authGiteaLoginOperation = /* @__PURE__ */ define(() =>
  operation('GET /api/auth/gitea/login', { query: NoQuery, status: 302, redirect: "to Gitea's authorize page (a cookie binds the sign-in to this browser)" }),
);
export const authGiteaCallbackOperation = /* @__PURE__ */ define(() =>
  operation('GET /api/auth/gitea/callback', {
    query: z.strictObject({
      code: z.optional(z.string().check(z.maxLength(2000))),
      state: z.optional(z.string().check(z.maxLength(200))),
      error: z.optional(z.string().check(z.maxLength(200))),
      error_description: z.optional(z.string().check(z.maxLength(2000))),
    }),
    status: 302,
    redirect: 'to the board, signed in (session cookie), or to /?signin_error=<reason>',
  }),
);

/** Every operation by `METHOD path` (the OpenAPI document; a handler imports only its own operation). */
export const contract = {
  'GET /api': indexOperation,
  'GET /api/health': healthOperation,
  'GET /api/openapi.json': openapiOperation,
  'GET /api/projects': projectsListOperation,
  'POST /api/projects': projectsCreateOperation,
  'GET /api/projects/{id}': projectsGetOperation,
  'PATCH /api/projects/{id}': projectsUpdateOperation,
  'DELETE /api/projects/{id}': projectsDeleteOperation,
  'GET /api/tasks': tasksListOperation,
  'POST /api/tasks': tasksCreateOperation,
  'GET /api/tasks/{id}': tasksGetOperation,
  'PATCH /api/tasks/{id}': tasksUpdateOperation,
  'DELETE /api/tasks/{id}': tasksDeleteOperation,
  'POST /api/tasks/{id}/respond': tasksRespondOperation,
  'GET /api/tasks/{id}/events': tasksEventsOperation,
  'POST /api/tasks/{id}/branch': tasksBranchOperation,
  'POST /api/tasks/{id}/pull-request': tasksPullRequestOperation,
  'POST /api/tasks/{id}/merge': tasksMergeOperation,
  'GET /api/tasks/{id}/jobs': tasksJobsOperation,
  'GET /api/tasks/{id}/log': tasksLogOperation,
  'POST /api/tasks/{id}/stop': tasksStopOperation,
  'POST /api/tasks/{id}/retry': tasksRetryOperation,
  'GET /api/jobs/{id}': jobsGetOperation,
  'GET /api/agents': agentsListOperation,
  'POST /api/agents': agentsRegisterOperation,
  'GET /api/agents/{id}': agentsGetOperation,
  'PATCH /api/agents/{id}': agentsUpdateOperation,
  'DELETE /api/agents/{id}': agentsDeleteOperation,
  'POST /api/agents/{id}/heartbeat': agentsHeartbeatOperation,
  'POST /api/people/tokens': peopleTokensCreateOperation,
  'GET /api/people/tokens': peopleTokensListOperation,
  'DELETE /api/people/tokens/{id}': peopleTokensDeleteOperation,
  'POST /api/webhooks/gitea': webhooksGiteaOperation,
  'POST /api/projects/{id}/webhook': projectsWebhookOperation,
  'POST /api/projects/{id}/repository': projectsRepositoryOperation,
  'GET /api/board': boardOperation,
  'POST /api/auth/token': authTokenOperation,
  'POST /api/auth/logout': authLogoutOperation,
  'GET /api/auth/me': authMeOperation,
  'GET /api/auth/gitea/login': authGiteaLoginOperation,
  'GET /api/auth/gitea/callback': authGiteaCallbackOperation,
};

export type OperationKey = keyof typeof contract;
export type BodyOf<O> = O extends { body: infer B extends z.ZodMiniType } ? z.output<B> : undefined;
export type QueryOf<O> = O extends { query: infer Q extends z.ZodMiniType } ? z.output<Q> : undefined;
export type ParamsOf<O> = O extends { params: infer P extends z.ZodMiniType } ? z.output<P> : undefined;
