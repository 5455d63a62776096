import * as z from 'zod/mini';
import { described, define } from './common.js';

export const AdminTokenSignInSchema = /* @__PURE__ */ define(() =>
  z
    .strictObject({ token: z.string().check(z.minLength(1), z.maxLength(500), z.describe('The admin token (AIWORKER_ADMIN_TOKEN)')) })
    .check(z.meta({ id: 'AdminTokenSignIn' })),
);

export const SessionSchema = /* @__PURE__ */ define(() =>
  z
    .object({
      subject: described(z.enum(['admin', 'gitea']), 'How the person signed in'),
      login: described(z.string(), "The Gitea login, or 'admin'"),
      admin: z.boolean(),
      expiresAt: described(z.string(), 'ISO 8601 timestamp'),
    })
    .check(z.meta({ id: 'Session' })),
);

export const SignedOutSchema = /* @__PURE__ */ define(() => z.object({ signedOut: z.literal(true) }).check(z.meta({ id: 'SignedOut' })));

export const MeSchema = /* @__PURE__ */ define(() =>
  z
    .object({
      kind: z.enum(['admin', 'person', 'agent']),
      login: z.string(),
      admin: z.boolean(),
      actor: described(z.string(), "How your actions appear in a task's events: 'admin' or 'gitea:<login>'"),
    })
    .check(z.meta({ id: 'Me' })),
);
