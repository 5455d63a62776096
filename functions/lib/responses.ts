import * as z from 'zod/mini';
import { described } from '@aiworker/core/schemas/common';
import { ProjectSchema } from '@aiworker/core/schemas/project';
import { TaskEventSchema, TaskSchema } from '@aiworker/core/schemas/task';
import { AgentRegisteredSchema, AgentSchema } from '@aiworker/core/schemas/agent';
import { WebhookReceiptSchema } from '@aiworker/core/schemas/gitea-webhook';
import { MeSchema, SessionSchema, SignedOutSchema } from '@aiworker/core/schemas/auth';
import { BoardSchema } from '@aiworker/core/schemas/board';
import { PersonTokenCreatedSchema, PersonTokenSchema } from '@aiworker/core/schemas/person-token';
import { JobSchema, ProjectCreatedSchema } from '@aiworker/core/schemas/job';
import { LogEntrySchema } from '@aiworker/core/schemas/run';
import type { OperationKey } from './contract.js';

export const HealthSchema = z.object({ status: z.literal('ok'), timestamp: z.string(), version: z.string() }).check(z.meta({ id: 'Health' }));
export const EndpointSchema = z.object({ method: z.string(), path: z.string(), summary: z.string(), auth: z.string() }).check(z.meta({ id: 'Endpoint' }));

/**
 * What each operation answers (in the envelope's `data`, or as it is for raw operations), for the OpenAPI
 * document. Kept apart from the contract: a handler never validates what it sends, so its bundle need not
 * build these schemas at a cold start.
 */
export const responseSchemas = {
  'GET /api': EndpointSchema,
  'GET /api/health': HealthSchema,
  'GET /api/openapi.json': described(z.record(z.string(), z.unknown()), 'The OpenAPI 3.1 document itself'),
  'GET /api/projects': ProjectSchema,
  'POST /api/projects': ProjectCreatedSchema,
  'GET /api/projects/{id}': ProjectSchema,
  'PATCH /api/projects/{id}': ProjectSchema,
  'DELETE /api/projects/{id}': ProjectSchema,
  'GET /api/tasks': TaskSchema,
  'POST /api/tasks': TaskSchema,
  'GET /api/tasks/{id}': TaskSchema,
  'PATCH /api/tasks/{id}': TaskSchema,
  'DELETE /api/tasks/{id}': TaskSchema,
  'POST /api/tasks/{id}/respond': TaskSchema,
  'GET /api/tasks/{id}/events': TaskEventSchema,
  'POST /api/tasks/{id}/branch': JobSchema,
  'POST /api/tasks/{id}/pull-request': JobSchema,
  'POST /api/tasks/{id}/merge': JobSchema,
  'GET /api/tasks/{id}/jobs': JobSchema,
  'GET /api/tasks/{id}/log': LogEntrySchema,
  'POST /api/tasks/{id}/stop': TaskSchema,
  'POST /api/tasks/{id}/retry': TaskSchema,
  'GET /api/jobs/{id}': JobSchema,
  'GET /api/agents': AgentSchema,
  'POST /api/agents': AgentRegisteredSchema,
  'GET /api/agents/{id}': AgentSchema,
  'PATCH /api/agents/{id}': AgentSchema,
  'DELETE /api/agents/{id}': AgentSchema,
  'POST /api/agents/{id}/heartbeat': AgentSchema,
  'POST /api/people/tokens': PersonTokenCreatedSchema,
  'GET /api/people/tokens': PersonTokenSchema,
  'DELETE /api/people/tokens/{id}': PersonTokenSchema,
  'POST /api/webhooks/gitea': WebhookReceiptSchema,
  'POST /api/projects/{id}/webhook': JobSchema,
  'POST /api/projects/{id}/repository': JobSchema,
  'GET /api/board': BoardSchema,
  'POST /api/auth/token': SessionSchema,
  'POST /api/auth/logout': SignedOutSchema,
  'GET /api/auth/me': MeSchema,
  'GET /api/auth/gitea/login': z.unknown(),
  'GET /api/auth/gitea/callback': z.unknown(),
} satisfies Record<OperationKey, z.ZodMiniType>;
