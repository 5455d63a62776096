import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import * as z from 'zod/mini';

type JsonSchemaOptions = { readonly target: string; readonly libraryOptions?: Record<string, unknown> };

/**
 * A zod/mini schema as the MCP SDK v2 takes tool schemas: Standard Schema with its JSON Schema. Classic zod
 * carries `~standard.jsonSchema` itself; zod/mini (used across core for a small bundle and a quick cold
 * start) leaves it out, so it is added here with zod's own converter. Each JSON Schema is built once per
 * process and kept: the server is built per request, the tool schemas never change.
 */
export function toolSchema<S extends z.ZodMiniType>(schema: S): S & StandardSchemaWithJSON<z.input<S>, z.output<S>> {
  const built = new Map<string, Record<string, unknown>>();
  const convert = (io: 'input' | 'output') => (options: JsonSchemaOptions) => {
    const target = (options?.target ?? 'draft-2020-12') as 'draft-2020-12' | 'draft-07' | 'openapi-3.0';
    const key = `${io}:${target}`;
    let json = built.get(key);
    if (!json) {
      json = z.toJSONSchema(schema, { target, io }) as Record<string, unknown>;
      built.set(key, json);
    }
    return json;
  };
  const standard = { ...schema['~standard'], jsonSchema: { input: convert('input'), output: convert('output') } };
  // A view of the schema with its own `~standard` (zod's may be a getter on the prototype).
  const view = Object.create(schema) as S;
  Object.defineProperty(view, '~standard', { value: standard, enumerable: false });
  return view as S & StandardSchemaWithJSON<z.input<S>, z.output<S>>;
}
