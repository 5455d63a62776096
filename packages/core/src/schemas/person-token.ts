import * as z from 'zod/mini';
import { IdSchema, TimestampSchema, described, define, pageQueryFields } from './common.js';

/**
 * What a person's token may do over MCP: `read` (what waits for a person, tasks) or `write` (also answer
 * questions and file tasks). `write` includes `read`.
 */
export const PERSON_TOKEN_SCOPES = ['read', 'write'] as const;
export const PersonTokenScopeSchema = /* @__PURE__ */ define(() =>
  described(z.enum(PERSON_TOKEN_SCOPES), 'read: list questions and tasks; write: also answer questions and file tasks'),
);
export type PersonTokenScope = z.infer<typeof PersonTokenScopeSchema>;

const personTokenFields = /* @__PURE__ */ define(() => ({
  id: IdSchema,
  name: described(z.string(), 'What the person called it, e.g. "laptop Claude Code"'),
  scope: PersonTokenScopeSchema,
  owner: described(z.string(), 'Whose token it is: admin or gitea:<login>; what it does is attributed to them'),
  createdAt: TimestampSchema,
}));
export const PersonTokenSchema = /* @__PURE__ */ define(() => z.object(personTokenFields).check(z.meta({ id: 'PersonToken' })));
export type PersonToken = z.infer<typeof PersonTokenSchema>;

/** The stored record also carries the token hash, which never leaves core. */
export interface PersonTokenRecord extends PersonToken {
  tokenHash: string;
}

export const PersonTokenCreateSchema = /* @__PURE__ */ define(() =>
  z
    .strictObject({
      name: described(z.string().check(z.trim(), z.minLength(1), z.maxLength(100)), 'A name to recognise the token by'),
      scope: PersonTokenScopeSchema,
    })
    .check(z.meta({ id: 'PersonTokenCreate' })),
);
export type PersonTokenCreate = z.infer<typeof PersonTokenCreateSchema>;

export const PersonTokenCreatedSchema = /* @__PURE__ */ define(() =>
  z
    .object({ ...personTokenFields, token: described(z.string(), 'The token for Authorization: Bearer on /mcp; shown once, only its hash is stored') })
    .check(z.meta({ id: 'PersonTokenCreated' })),
);

export const PersonTokenListQuerySchema = /* @__PURE__ */ define(() => z.strictObject(pageQueryFields));
export type PersonTokenListQuery = z.infer<typeof PersonTokenListQuerySchema>;
