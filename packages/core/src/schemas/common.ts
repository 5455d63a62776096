import * as z from 'zod';

export const IdSchema = z.string().min(1).max(100).describe('Opaque id');
export const TimestampSchema = z.string().describe('ISO 8601 timestamp');
export const VersionSchema = z.number().int().min(1).describe('Optimistic version; send it back on PATCH to detect concurrent changes');

/** Common list query: `limit` and `cursor`. */
export const PageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(25).describe('Items per page (1–100, default 25)'),
  cursor: z.string().min(1).max(2000).optional().describe('Cursor from the previous page'),
});
export type PageQuery = z.infer<typeof PageQuerySchema>;

export const IdParamsSchema = z.strictObject({ id: IdSchema });

export interface Page<T> {
  items: T[];
  cursor?: string;
}

/** Rejects a PATCH body that changes nothing. */
export const nonEmptyPatch = <T extends Record<string, unknown>>(value: T) =>
  Object.keys(value).some((key) => key !== 'version');
export const NON_EMPTY_PATCH_MESSAGE = 'Send at least one field to change';
