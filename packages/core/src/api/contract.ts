import * as z from 'zod/mini';
import { described } from '../schemas/common.js';
import { IdParamsSchema, PageQuerySchema } from '../schemas/common.js';
import { ProjectSchema, ProjectUpdateSchema } from '../schemas/project.js';
import { TaskCreateSchema, TaskEventSchema, TaskListQuerySchema, TaskRespondSchema, TaskSchema, TaskUpdateSchema } from '../schemas/task.js';
import { AgentListQuerySchema, AgentRegisterSchema, AgentRegisteredSchema, AgentSchema, AgentUpdateSchema } from '../schemas/agent.js';
import { GiteaWebhookBodySchema, WebhookReceiptSchema } from '../schemas/gitea-webhook.js';
import { AdminTokenSignInSchema, MeSchema, SessionSchema, SignedOutSchema } from '../schemas/auth.js';
import { BoardSchema } from '../schemas/board.js';
import { JobSchema, ProjectCreateRequestSchema, ProjectCreatedSchema, PullRequestRequestSchema } from '../schemas/job.js';

/**
 * What each REST operation takes and returns, keyed by `METHOD path` of the route table. Handlers
 * validate with these schemas and the OpenAPI document is generated from them, so the two cannot drift.
 */
export interface Operation {
  params?: z.ZodMiniType;
  query?: z.ZodMiniType;
  body?: z.ZodMiniType;
  response: z.ZodMiniType;
  list?: boolean;
  status?: number;
  /** The body may be left out (an empty body counts as `{}`). */
  optionalBody?: boolean;
  /** A route a browser navigates to: it answers with a redirect, not the JSON envelope. */
  redirect?: string;
  /** Answered as it is, not in the envelope (`GET /api/openapi.json`: tools read the document by URL). */
  raw?: boolean;
}

const NoQuery = z.strictObject({});
const DeleteQuery = z.strictObject({ version: z.optional(z.coerce.number().check(z.int(), z.gte(1))) });

export const HealthSchema = z
  .object({ status: z.literal('ok'), timestamp: z.string(), version: z.string() })
  .check(z.meta({ id: 'Health' }));
export const EndpointSchema = z
  .object({ method: z.string(), path: z.string(), summary: z.string(), auth: z.string() })
  .check(z.meta({ id: 'Endpoint' }));

export const contract = {
  'GET /api': { query: NoQuery, response: EndpointSchema, list: true },
  'GET /api/health': { query: NoQuery, response: HealthSchema },
  'GET /api/openapi.json': { query: NoQuery, response: described(z.record(z.string(), z.unknown()), 'The OpenAPI 3.1 document itself'), raw: true },

  'GET /api/projects': { query: PageQuerySchema, response: ProjectSchema, list: true },
  'POST /api/projects': { query: NoQuery, body: ProjectCreateRequestSchema, response: ProjectCreatedSchema, status: 201 },
  'GET /api/projects/{id}': { params: IdParamsSchema, query: NoQuery, response: ProjectSchema },
  'PATCH /api/projects/{id}': { params: IdParamsSchema, query: NoQuery, body: ProjectUpdateSchema, response: ProjectSchema },
  'DELETE /api/projects/{id}': { params: IdParamsSchema, query: DeleteQuery, response: ProjectSchema },

  'GET /api/tasks': { query: TaskListQuerySchema, response: TaskSchema, list: true },
  'POST /api/tasks': { query: NoQuery, body: TaskCreateSchema, response: TaskSchema, status: 201 },
  'GET /api/tasks/{id}': { params: IdParamsSchema, query: NoQuery, response: TaskSchema },
  'PATCH /api/tasks/{id}': { params: IdParamsSchema, query: NoQuery, body: TaskUpdateSchema, response: TaskSchema },
  'DELETE /api/tasks/{id}': { params: IdParamsSchema, query: DeleteQuery, response: TaskSchema },
  'POST /api/tasks/{id}/respond': { params: IdParamsSchema, query: NoQuery, body: TaskRespondSchema, response: TaskSchema },
  'GET /api/tasks/{id}/events': { params: IdParamsSchema, query: PageQuerySchema, response: TaskEventSchema, list: true },
  'POST /api/tasks/{id}/branch': { params: IdParamsSchema, query: NoQuery, response: JobSchema, status: 202 },
  'POST /api/tasks/{id}/pull-request': { params: IdParamsSchema, query: NoQuery, body: PullRequestRequestSchema, optionalBody: true, response: JobSchema, status: 202 },
  'POST /api/tasks/{id}/merge': { params: IdParamsSchema, query: NoQuery, response: JobSchema, status: 202 },
  'GET /api/tasks/{id}/jobs': { params: IdParamsSchema, query: PageQuerySchema, response: JobSchema, list: true },
  'GET /api/jobs/{id}': { params: IdParamsSchema, query: NoQuery, response: JobSchema },

  'GET /api/agents': { query: AgentListQuerySchema, response: AgentSchema, list: true },
  'POST /api/agents': { query: NoQuery, body: AgentRegisterSchema, response: AgentRegisteredSchema, status: 201 },
  'GET /api/agents/{id}': { params: IdParamsSchema, query: NoQuery, response: AgentSchema },
  'PATCH /api/agents/{id}': { params: IdParamsSchema, query: NoQuery, body: AgentUpdateSchema, response: AgentSchema },
  'DELETE /api/agents/{id}': { params: IdParamsSchema, query: DeleteQuery, response: AgentSchema },
  'POST /api/agents/{id}/heartbeat': { params: IdParamsSchema, query: NoQuery, response: AgentSchema },

  'POST /api/webhooks/gitea': { query: NoQuery, body: GiteaWebhookBodySchema, response: WebhookReceiptSchema },
  'POST /api/projects/{id}/webhook': { params: IdParamsSchema, query: NoQuery, response: JobSchema, status: 202 },
  'POST /api/projects/{id}/repository': { params: IdParamsSchema, query: NoQuery, response: JobSchema, status: 202 },
  'GET /api/board': { query: NoQuery, response: BoardSchema },
  'POST /api/auth/token': { query: NoQuery, body: AdminTokenSignInSchema, response: SessionSchema },
  'POST /api/auth/logout': { query: NoQuery, response: SignedOutSchema },
  'GET /api/auth/me': { query: NoQuery, response: MeSchema },
  'GET /api/auth/gitea/login': { query: NoQuery, response: z.unknown(), status: 302, redirect: "to Gitea's authorize page (a cookie binds the sign-in to this browser)" },
  'GET /api/auth/gitea/callback': {
    query: z.strictObject({
      code: z.optional(z.string().check(z.maxLength(2000))),
      state: z.optional(z.string().check(z.maxLength(200))),
      error: z.optional(z.string().check(z.maxLength(200))),
      error_description: z.optional(z.string().check(z.maxLength(2000))),
    }),
    response: z.unknown(),
    status: 302,
    redirect: 'to the board, signed in (session cookie), or to /?signin_error=<reason>',
  },
} satisfies Record<string, Operation>;

export type OperationKey = keyof typeof contract;
export type BodyOf<K extends OperationKey> = (typeof contract)[K] extends { body: infer B extends z.ZodMiniType } ? z.output<B> : undefined;
export type QueryOf<K extends OperationKey> = (typeof contract)[K] extends { query: infer Q extends z.ZodMiniType } ? z.output<Q> : undefined;
export type ParamsOf<K extends OperationKey> = (typeof contract)[K] extends { params: infer P extends z.ZodMiniType } ? z.output<P> : undefined;
