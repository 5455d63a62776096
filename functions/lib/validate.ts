import { ValidationError } from '@aiworker/core';
import type * as z from 'zod/mini';

/** Parses input with a zod schema; a failure is a 400 naming each bad field. */
export function validate(what: string, schema: z.ZodMiniType | undefined, input: unknown): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') return { path, message: `unknown ${what}${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}` };
    return { path, message: path ? `${what} '${path}': ${issue.message}` : issue.message };
  });
  throw new ValidationError(`Invalid request: ${issues.map((issue) => issue.message).join('; ')}`, { issues });
}
