import * as z from 'zod/mini';
import { routes } from '@aiworker/infra/routes';
import { config } from '@aiworker/core/config';
import { contract, type Operation, type OperationKey } from './contract.js';
import { responseSchemas } from './responses.js';

const ErrorEnvelopeSchema = z
  .object({
    success: z.literal(false),
    error: z.object({ code: z.string(), message: z.string(), details: z.optional(z.unknown()) }),
  })
  .check(z.meta({ id: 'Error' }));

type JsonSchema = Record<string, unknown>;

/**
 * Named schemas (`.meta({ id })`) go to `components.schemas`, referenced as `#/components/schemas/<id>`:
 * zod's own `#/$defs/<id>` refs would resolve against the root of the OpenAPI document, where no
 * `$defs` exist.
 */
function jsonSchemaIn(components: Record<string, JsonSchema>) {
  return (schema: z.ZodMiniType, io: 'input' | 'output'): JsonSchema => {
    const { $schema: _dialect, $defs, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
    const toComponents = (value: unknown) => JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema;
    for (const [name, definition] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
      const converted = toComponents(definition);
      if (components[name] && JSON.stringify(components[name]) !== JSON.stringify(converted)) {
        throw new Error(`Schema '${name}' differs between uses (input vs output?); give each its own meta id`);
      }
      components[name] = converted;
    }
    return toComponents(rest);
  };
}

function envelope(operation: Operation, response: z.ZodMiniType, jsonSchema: ReturnType<typeof jsonSchemaIn>) {
  const data = jsonSchema(response, 'output');
  const properties: Record<string, unknown> = {
    success: { const: true },
    data: operation.list ? { type: 'array', items: data } : data,
  };
  if (operation.list) {
    properties.count = { type: 'integer' };
    properties.cursor = { type: 'string', description: 'Present when there is a next page' };
  }
  return { type: 'object', properties, required: ['success', 'data'] };
}

function parameters(operation: Operation, jsonSchema: ReturnType<typeof jsonSchemaIn>) {
  const list: unknown[] = [];
  for (const [where, schema] of [['path', operation.params], ['query', operation.query]] as const) {
    if (!schema) continue;
    const json = jsonSchema(schema, 'input') as { properties?: Record<string, object>; required?: string[] };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      list.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: property });
    }
  }
  return list;
}

/** `functions/api/tasks/pull-request` → `tasksPullRequest`: one operationId per handler, stable and unique. */
export const operationIdOf = (handler: string): string =>
  handler
    .replace(/^functions\/api\//, '')
    .split(/[/-]/)
    .map((part, index) => (index === 0 ? part : part.charAt(0).toUpperCase() + part.slice(1)))
    .join('');

/** Routes answered without the database (so never a 503). */
const touchesDatabase = (route: { path: string }) => !['/api', '/api/health', '/api/openapi.json'].includes(route.path);

/** The OpenAPI 3.1 document, built from the route table and the zod schemas the handlers validate with. */
export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, JsonSchema> = {};
  const jsonSchema = jsonSchemaIn(schemas);
  const errorSchema = jsonSchema(ErrorEnvelopeSchema, 'output');
  const error = (description: string, headers?: Record<string, unknown>) => ({ description, ...(headers ? { headers } : {}), content: { 'application/json': { schema: errorSchema } } });
  const errorResponse = error('A mistake the caller can fix: what is wrong is in `error.message` (400 bad input, 401/403, 404, 409 conflict or stale version)');
  /** The answers every route may give besides its own: the runtime's and the body parser's. */
  const common = (operation: Operation, route: (typeof routes)[number]) => ({
    '405': error('Method not allowed on this path (the `allow` header lists the methods that are)', { Allow: { schema: { type: 'string' } } }),
    ...(operation.body ? { '413': error('The body is larger than 1 MiB'), '415': error("The body is not sent as 'Content-Type: application/json'") } : {}),
    ...(touchesDatabase(route)
      ? { '503': error('The database throttled the request beyond its retries: nothing was written; retry after `Retry-After` seconds', { 'Retry-After': { schema: { type: 'integer' } } }) }
      : {}),
  });
  for (const route of routes) {
    const key = `${route.method} ${route.path}` as OperationKey;
    const operation: Operation | undefined = contract[key];
    if (!operation) continue;
    const response: z.ZodMiniType = responseSchemas[key];
    paths[route.path] ??= {};
    paths[route.path][route.method.toLowerCase()] = {
      operationId: operationIdOf(route.handler),
      summary: route.summary,
      security: route.auth === 'none' ? [] : [{ bearer: [] }, { session: [] }],
      parameters: parameters(operation, jsonSchema),
      ...(operation.body
        ? { requestBody: { required: !operation.optionalBody, content: { 'application/json': { schema: jsonSchema(operation.body, 'input') } } } }
        : {}),
      responses: operation.redirect
        ? { '302': { description: `Redirect ${operation.redirect}`, headers: { Location: { schema: { type: 'string' } } } } }
        : {
            [String(operation.status ?? 200)]: {
              description: 'Success',
              content: { 'application/json': { schema: operation.raw ? jsonSchema(response, 'output') : envelope(operation, response, jsonSchema) } },
            },
            '4XX': errorResponse,
            ...common(operation, route),
          },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'aiworker API', version: config().version },
    // Relative: the API is served from the same origin as this document (locally and on AWS).
    servers: [{ url: '/', description: 'The origin this document was read from' }],
    components: { schemas, securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        session: { type: 'apiKey', in: 'cookie', name: 'aiw_session', description: 'The board session (POST /api/auth/token or sign-in with Gitea); writes must come from the board origin' },
      },
    },
    paths,
  };
}
