import * as z from 'zod/mini';
import { en } from 'zod/locales';

/**
 * Schemas are written with `zod/mini`: the same zod (one source for validation, types and the OpenAPI
 * document), a fraction of the code a Lambda loads and builds at a cold start. zod/mini ships no error
 * messages of its own; these are zod's English ones, as the full build would give.
 */
z.config(en());

/**
 * Builds a schema at once, like a plain `const`, but called with esbuild's pure annotation (`@__PURE__`)
 * where it is used: a bundle that never reads the schema drops its construction
 * (esbuild cannot tell on its own that building a zod schema has no side effects). So each Lambda builds
 * only the schemas its own operation uses, which is most of what loading them would cost at a cold start.
 */
export const define = <T>(build: () => T): T => build();

export const IdSchema = /* @__PURE__ */ define(() => z.string().check(z.minLength(1), z.maxLength(100), z.describe('Opaque id')));
export const TimestampSchema = /* @__PURE__ */ define(() => z.string().check(z.describe('ISO 8601 timestamp')));
export const VersionSchema = /* @__PURE__ */ define(() =>
  z.int().check(z.gte(1), z.describe('Optimistic version; send it back on PATCH to detect concurrent changes')),
);

/** Common list query: `limit` and `cursor`. */
export const pageQueryFields = /* @__PURE__ */ define(() => ({
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100), z.describe('Items per page (1–100, default 25)')), 25),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2000), z.describe('Cursor from the previous page'))),
}));
export const PageQuerySchema = /* @__PURE__ */ define(() => z.strictObject(pageQueryFields));
export type PageQuery = z.infer<typeof PageQuerySchema>;

export const IdParamsSchema = /* @__PURE__ */ define(() => z.strictObject({ id: IdSchema }));

export interface Page<T> {
  items: T[];
  cursor?: string;
}

/** Rejects a PATCH body that changes nothing. */
export const nonEmptyPatch = <T extends Record<string, unknown>>(value: T) => Object.keys(value).some((key) => key !== 'version');
export const NON_EMPTY_PATCH_MESSAGE = 'Send at least one field to change';

/**
 * `schema` with a description (zod/mini: a check that registers it, as `.describe()` does in full zod). The
 * copy keeps the schema's metadata, its `id` too: describe the wrapper (`described(z.optional(TaskSchema), …)`),
 * not a schema with an id, or two schemas would claim one id in the JSON Schema.
 */
export const described = <T extends z.ZodMiniType>(schema: T, description: string): T => schema.check(z.describe(description)) as T;
