import { createHash } from 'node:crypto';
import type * as z from 'zod/mini';
import { ValidationError } from '../errors.js';
import { projectRepository } from '../db/project-repository.js';
import { config } from '../config.js';

/** What reading Gitea's webhook payloads needs, whichever event (gitea-webhooks.ts, issue-sync.ts). */

/**
 * A webhook's body: the exact bytes Gitea signed, and the same bytes read as JSON — read by the transport
 * when asked (an event aiworker ignores is never read), which refuses a body that is not JSON.
 */
export interface WebhookBody {
  bytes: Buffer;
  json(): unknown;
}

/** The body as `schema` says, or a ValidationError naming what is wrong. */
export function parse<T>(schema: z.ZodMiniType<T>, body: WebhookBody, eventType: string): T {
  const result = schema.safeParse(body.json());
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new ValidationError(`Not a ${eventType} payload: ${problems.join('; ')}`, { issues: problems });
}

/** A short, fixed-length key for what a delivery says. */
export const keyOf = (parts: Array<string | number>): string => createHash('sha256').update(JSON.stringify(parts)).digest('base64url');

/** A payload time stamp as an instant in UTC (Gitea sends RFC 3339 with the server's offset), or a ValidationError. */
export function instant(stamp: string | null | undefined, field: string): string | undefined {
  if (!stamp) return undefined;
  const at = Date.parse(stamp);
  if (Number.isNaN(at)) throw new ValidationError(`${field} is not a time stamp: ${stamp.slice(0, 64)}`, { field });
  return new Date(at).toISOString();
}

/**
 * Whether a login is the Gitea account aiworker uses: AIWORKER_GITEA_LOGIN, else the one the hook
 * registration job recorded, else the poster of the pull request (aiworker opened it with that account).
 */
export async function isAiworker(owner: string, repo: string, login: string, posters: Array<string | undefined>): Promise<boolean> {
  const configured = config().gitea.login;
  const known = configured ? [configured] : [(await projectRepository.getHook(owner, repo))?.giteaLogin, ...posters];
  return known.some((candidate) => candidate?.toLowerCase() === login.toLowerCase());
}
