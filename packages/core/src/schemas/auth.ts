import * as z from 'zod';

export const AdminTokenSignInSchema = z
  .strictObject({ token: z.string().min(1).max(500).describe('The admin token (AIWORKER_ADMIN_TOKEN)') })
  .meta({ id: 'AdminTokenSignIn' });

export const SessionSchema = z
  .object({
    subject: z.enum(['admin', 'gitea']).describe('How the person signed in'),
    login: z.string().describe("The Gitea login, or 'admin'"),
    admin: z.boolean(),
    expiresAt: z.string().describe('ISO 8601 timestamp'),
  })
  .meta({ id: 'Session' });

export const SignedOutSchema = z.object({ signedOut: z.literal(true) }).meta({ id: 'SignedOut' });

export const MeSchema = z
  .object({
    kind: z.enum(['admin', 'person', 'agent']),
    login: z.string(),
    admin: z.boolean(),
    actor: z.string().describe("How your actions appear in a task's events: 'admin' or 'gitea:<login>'"),
  })
  .meta({ id: 'Me' });
