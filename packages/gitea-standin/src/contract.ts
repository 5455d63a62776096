import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * Checks requests and responses against Gitea's own Swagger 2.0 description.
 *
 * Swagger 2.0 schemas are (nearly) JSON Schema draft 4; ajv reads them with `strict:false`. Two views of
 * the definitions are registered:
 * - request view: every object with `properties` gets `additionalProperties:false`, so a misspelled field
 *   in what aiworker sends is caught (Gitea itself would silently ignore it);
 * - response view: every property may also be `null`, because Gitea (Go) serialises nil pointers as
 *   `null` and Swagger 2.0 cannot say "nullable".
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type SchemaObj = { [key: string]: unknown };

interface SwaggerParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'body' | 'formData';
  required?: boolean;
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: { type?: string; enum?: unknown[] };
  schema?: SchemaObj;
}

interface SwaggerResponse {
  description?: string;
  schema?: SchemaObj;
  $ref?: string;
}

export interface Operation {
  operationId: string;
  method: string;
  template: string;
  parameters: SwaggerParameter[];
  responses: Record<string, SwaggerResponse>;
  consumes?: string[];
}

export interface MatchedOperation {
  operation: Operation;
  pathParams: Record<string, string>;
}

interface CompiledRoute {
  method: string;
  operation: Operation;
  segments: Array<{ literal: string } | { regex: RegExp; names: string[] }>;
  literalCount: number;
}

/** Query parameters every operation accepts (Swagger security definitions, not per-operation parameters). */
const SECURITY_QUERY_PARAMS = new Set(['token', 'access_token', 'sudo']);

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

/** Gitea's published API description (v1.22), carried by the project in packages/gitea-standin/reference. */
export function defaultSwaggerPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '../reference/gitea-swagger-v1.22.json');
}

export class GiteaContract {
  readonly version: string;
  private readonly routes: CompiledRoute[] = [];
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly spec: { info: { version: string }; paths: Record<string, Record<string, unknown>>; definitions: Record<string, SchemaObj>; responses: Record<string, SwaggerResponse> }) {
    this.version = spec.info.version;
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    for (const name of ['int32', 'int64', 'uint64']) this.ajv.addFormat(name, { type: 'number', validate: (n: number) => Number.isInteger(n) });
    for (const name of ['float', 'double']) this.ajv.addFormat(name, { type: 'number', validate: () => true });
    this.ajv.addSchema({ $id: 'gitea-request', definitions: mapValues(spec.definitions, (d) => convert(d, 'request')) });
    this.ajv.addSchema({ $id: 'gitea-response', definitions: mapValues(spec.definitions, (d) => convert(d, 'response')) });

    for (const [template, item] of Object.entries(spec.paths)) {
      const shared = (item.parameters as SwaggerParameter[] | undefined) ?? [];
      for (const [method, raw] of Object.entries(item)) {
        if (method === 'parameters') continue;
        const op = raw as { operationId: string; parameters?: SwaggerParameter[]; responses: Record<string, SwaggerResponse>; consumes?: string[] };
        const operation: Operation = {
          operationId: op.operationId,
          method: method.toUpperCase(),
          template,
          parameters: [...shared, ...(op.parameters ?? [])],
          responses: op.responses,
          consumes: op.consumes,
        };
        const segments = template.split('/').filter(Boolean).map((seg) => {
          if (!seg.includes('{')) return { literal: seg };
          const names: string[] = [];
          const source = seg.replace(/\{([^}]+)\}|([^{]+)/g, (_m, name: string | undefined, lit: string | undefined) => {
            if (name) {
              names.push(name);
              return '([^/]+?)';
            }
            return escapeRegex(lit ?? '');
          });
          return { regex: new RegExp(`^${source}$`), names };
        });
        this.routes.push({ method: operation.method, operation, segments, literalCount: segments.filter((s) => 'literal' in s).length });
      }
    }
    // Most literal segments first: `/pulls/{index}/merge` wins over `/pulls/{base}/{head}`.
    this.routes.sort((a, b) => b.literalCount - a.literalCount);
  }

  static load(path = defaultSwaggerPath()): GiteaContract {
    if (!existsSync(path)) throw new Error(`Gitea Swagger description not found at ${path}`);
    return new GiteaContract(JSON.parse(readFileSync(path, 'utf8')));
  }

  /** Finds the operation for a method and an API path relative to the base path (`/repos/a/b`). */
  match(method: string, apiPath: string): MatchedOperation | undefined {
    const parts = apiPath.split('/').filter(Boolean).map(safeDecode);
    for (const route of this.routes) {
      if (route.method !== method.toUpperCase() || route.segments.length !== parts.length) continue;
      const pathParams: Record<string, string> = {};
      const ok = route.segments.every((seg, i) => {
        if ('literal' in seg) return seg.literal === parts[i];
        const m = seg.regex.exec(parts[i]);
        if (!m) return false;
        seg.names.forEach((name, j) => {
          pathParams[name] = m[j + 1];
        });
        return true;
      });
      if (ok) return { operation: route.operation, pathParams };
    }
    return undefined;
  }

  /** Whether any method is declared for the path (to tell "wrong method" from "unknown path"). */
  methodsFor(apiPath: string): string[] {
    return ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => this.match(m, apiPath));
  }

  /** Problems with a request; each string is one violation (without the "METHOD path" prefix). */
  checkRequest(
    matched: MatchedOperation,
    query: URLSearchParams,
    body: { raw: string; contentType?: string },
  ): string[] {
    const problems: string[] = [];
    const { operation, pathParams } = matched;
    const params = operation.parameters;

    for (const p of params.filter((x) => x.in === 'path')) {
      const value = pathParams[p.name];
      if (value === undefined || value === '') problems.push(`path parameter "${p.name}" is missing`);
      else {
        const err = checkSimpleValue(p, value);
        if (err) problems.push(`path parameter "${p.name}": ${err}`);
      }
    }

    const declaredQuery = new Map(params.filter((x) => x.in === 'query').map((x) => [x.name, x]));
    for (const name of new Set(query.keys())) {
      const p = declaredQuery.get(name);
      if (!p) {
        if (!SECURITY_QUERY_PARAMS.has(name)) problems.push(`query parameter "${name}" is not declared by ${operation.operationId}`);
        continue;
      }
      const values = query.getAll(name);
      if (p.type !== 'array' && values.length > 1) problems.push(`query parameter "${name}" given ${values.length} times`);
      for (const value of values) {
        const err = p.type === 'array' ? checkSimpleValue({ ...p, ...p.items }, value) : checkSimpleValue(p, value);
        if (err) problems.push(`query parameter "${name}": ${err}`);
      }
    }
    for (const p of declaredQuery.values()) {
      if (p.required && !query.has(p.name)) problems.push(`required query parameter "${p.name}" is missing`);
    }

    const bodyParam = params.find((x) => x.in === 'body');
    const hasBody = body.raw.trim().length > 0;
    if (!bodyParam) {
      if (hasBody) problems.push(`${operation.operationId} takes no request body, but one was sent`);
    } else if (!hasBody) {
      if (bodyParam.required) problems.push(`request body is required`);
    } else {
      const consumes = operation.consumes ?? ['application/json'];
      const type = (body.contentType ?? '').split(';')[0].trim().toLowerCase();
      if (!consumes.includes(type)) problems.push(`content-type "${type || '(none)'}" is not one of ${consumes.join(', ')}`);
      let parsed: Json;
      try {
        parsed = JSON.parse(body.raw) as Json;
      } catch {
        problems.push(`request body is not valid JSON`);
        return problems;
      }
      const validate = this.validator(`req:${operation.operationId}`, bodyParam.schema ?? {}, 'request');
      if (!validate(parsed)) problems.push(...formatErrors('request body', validate.errors));
    }
    return problems;
  }

  /**
   * Problems with a response. `declaredOnly:false` skips the "status is declared" check for responses that
   * come from Gitea's middleware (auth, repository lookup), which the description never lists.
   */
  checkResponse(operation: Operation, status: number, bodyText: string, opts: { declaredOnly?: boolean } = {}): string[] {
    const problems: string[] = [];
    const declared = operation.responses[String(status)] ?? operation.responses.default;
    if (!declared && opts.declaredOnly !== false) {
      problems.push(`response status ${status} is not declared by ${operation.operationId} (declared: ${Object.keys(operation.responses).join(', ')})`);
    }
    const resolved = declared ? this.resolveResponse(declared) : undefined;
    const hasBody = bodyText.trim().length > 0;
    let schema: SchemaObj | undefined = resolved?.schema;
    // Gitea's error responses (error, notFound, validationError, forbidden …) declare no schema (go-swagger
    // puts `message`/`url` under `headers`), yet Gitea sends an APIError body: check that instead.
    if (!schema && status >= 400) schema = { $ref: '#/definitions/APIError' };
    if (!schema) {
      if (hasBody && status !== 204) problems.push(`response ${status} declares no body, but one was sent`);
      if (hasBody && status === 204) problems.push(`response 204 must not have a body`);
      return problems;
    }
    if (!hasBody) {
      if (!resolved?.schema) return problems; // an error without a declared schema may have no body
      problems.push(`response ${status} has no body, expected ${describeSchema(schema)}`);
      return problems;
    }
    let parsed: Json;
    try {
      parsed = JSON.parse(bodyText) as Json;
    } catch {
      problems.push(`response ${status} body is not valid JSON`);
      return problems;
    }
    const validate = this.validator(`res:${operation.operationId}:${status}:${declared ? 'declared' : 'fallback'}`, schema, 'response');
    if (!validate(parsed)) problems.push(...formatErrors(`response ${status} body`, validate.errors));
    return problems;
  }

  /** Problems with a value Gitea sends outside an API response (a webhook payload), against a schema whose `$ref`s name Gitea's definitions. */
  checkPayload(name: string, schema: SchemaObj, value: unknown): string[] {
    const validate = this.validator(`payload:${name}`, schema, 'response');
    return validate(value) ? [] : formatErrors(`${name} payload`, validate.errors);
  }

  private resolveResponse(response: SwaggerResponse): SwaggerResponse {
    let current = response;
    for (let i = 0; current.$ref && i < 10; i++) {
      const name = current.$ref.replace('#/responses/', '');
      const next = this.spec.responses[name];
      if (!next) throw new Error(`unresolvable response reference ${current.$ref}`);
      current = next;
    }
    return current;
  }

  private validator(key: string, schema: SchemaObj, mode: 'request' | 'response'): ValidateFunction {
    let v = this.validators.get(key);
    if (!v) {
      v = this.ajv.compile(convert(schema, mode) as object);
      this.validators.set(key, v);
    }
    return v;
  }
}

/** Rewrites a Swagger schema into the request or response view (see the module comment). */
function convert(schema: unknown, mode: 'request' | 'response'): unknown {
  if (Array.isArray(schema)) return schema.map((s) => convert(s, mode));
  if (!schema || typeof schema !== 'object') return schema;
  const src = schema as SchemaObj;
  const out: SchemaObj = {};
  for (const [key, value] of Object.entries(src)) {
    if (key.startsWith('x-')) continue;
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.replace('#/definitions/', `gitea-${mode}#/definitions/`);
    } else if (key === 'properties' && value && typeof value === 'object') {
      out.properties = mapValues(value as Record<string, SchemaObj>, (prop) => {
        const converted = convert(prop, mode) as SchemaObj;
        return mode === 'response' ? nullable(converted) : converted;
      });
    } else if (key === 'type' && value === 'file') {
    } else {
      out[key] = convert(value, mode);
    }
  }
  if (mode === 'request' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function nullable(schema: SchemaObj): SchemaObj {
  if (typeof schema.type === 'string') {
    const out: SchemaObj = { ...schema, type: [schema.type, 'null'] };
    if (Array.isArray(schema.enum)) out.enum = [...schema.enum, null];
    return out;
  }
  return { anyOf: [schema, { type: 'null' }] };
}

function checkSimpleValue(p: { type?: string; enum?: unknown[]; format?: string }, value: string): string | undefined {
  if (p.type === 'integer' && !/^-?\d+$/.test(value)) return `"${value}" is not an integer`;
  if (p.type === 'number' && Number.isNaN(Number(value))) return `"${value}" is not a number`;
  if (p.type === 'boolean' && value !== 'true' && value !== 'false') return `"${value}" is not a boolean`;
  if (p.enum && !p.enum.map(String).includes(value)) return `"${value}" is not one of ${p.enum.join(', ')}`;
  return undefined;
}

function formatErrors(where: string, errors: ErrorObject[] | null | undefined): string[] {
  // The `anyOf: [schema, {type:null}]` wrappers of the response view add two noisy errors each: drop them.
  const useful = (errors ?? []).filter((e) => e.keyword !== 'anyOf' && !(e.keyword === 'type' && e.params.type === 'null'));
  return useful.map((e) => {
    const at = e.instancePath || '(root)';
    if (e.keyword === 'additionalProperties') return `${where}: ${at} has unknown property "${String(e.params.additionalProperty)}"`;
    return `${where}: ${at} ${e.message ?? 'is invalid'}`;
  });
}

function describeSchema(schema: SchemaObj): string {
  return typeof schema.$ref === 'string' ? schema.$ref.split('/').pop()! : String(schema.type ?? 'a body');
}

function mapValues<T, U>(obj: Record<string, T>, fn: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, fn(v)]));
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
