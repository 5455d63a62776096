import type { AgentRecord } from '../schemas/agent.js';
import { config } from '../config.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { authenticateAgent } from './agent-tokens.js';
import { countAttempt } from './rate-limits.js';
import { findSession } from './sessions.js';
import { sameSecret } from './tokens.js';

/**
 * Who is calling: the admin token (or a session it was exchanged for), a person signed in with Gitea, or
 * an agent with its own token.
 */
export type Caller = { kind: 'admin' } | { kind: 'person'; login: string; admin: boolean } | { kind: 'agent'; agentId: string; readonly record?: AgentRecord };

/**
 * What a route needs (infra/routes.ts): `none` is public; `person` takes the admin token or any signed-in
 * person; `admin` the admin token or a signed-in admin; `agent` also the token of the agent it names.
 */
export type AuthMode = 'none' | 'person' | 'admin' | 'agent' | 'holder';

/** The credentials of a request: a bearer token, or the board's session cookie. */
export interface Credentials {
  bearer?: string;
  session?: string;
  /** The client's address (the event's sourceIp): failed bearer tokens are counted per address. */
  address?: string;
}

/** How a caller appears in a task's events (`actor`): `admin`, `gitea:<login>` or `agent:<id>`. */
export function actorOf(caller: Caller | undefined): string | undefined {
  if (!caller) return undefined;
  if (caller.kind === 'admin') return 'admin';
  if (caller.kind === 'person') return `gitea:${caller.login}`;
  return `agent:${caller.agentId}`;
}

/**
 * A token that matches nobody is UNAUTHORIZED, whatever it looks like; FORBIDDEN is
 * only for a caller we know asking for what it may not do.
 */
export async function authorize(credentials: Credentials, mode: AuthMode, agentId?: string): Promise<Caller | undefined> {
  if (mode === 'none') return undefined;
  const caller = credentials.bearer ? await bearerCaller(credentials.bearer, credentials.address) : credentials.session ? await sessionCaller(credentials.session) : undefined;
  if (!caller) throw new UnauthorizedError();
  if (caller.kind === 'agent') {
    if (mode === 'holder') return caller; // the service checks that the agent holds the task
    if (mode !== 'agent') throw new ForbiddenError('Agent tokens may not call this endpoint; use the admin token or sign in');
    if (caller.agentId !== agentId) throw new ForbiddenError('An agent token may only act for its own agent');
  }
  if (caller.kind === 'person' && !caller.admin && mode !== 'person' && mode !== 'holder') {
    throw new ForbiddenError(`Only admins may do this; '${caller.login}' is not in AIWORKER_ADMIN_LOGINS`);
  }
  return caller;
}

async function bearerCaller(token: string, address: string | undefined): Promise<Caller> {
  const adminToken = config().adminToken;
  if (adminToken && sameSecret(token, adminToken)) return { kind: 'admin' };
  const agent = await authenticateAgent(token).catch(async () => {
    // Past the limit of unknown tokens from this address: RATE_LIMITED instead of UNAUTHORIZED.
    await countAttempt('failedBearer', address);
    throw new UnauthorizedError('Invalid bearer token');
  });
  // The record just read comes along (not enumerable: it never reaches a log or a response), so a
  // handler that needs it, such as a heartbeat, does not read it again.
  return Object.defineProperty({ kind: 'agent', agentId: agent.id } as Caller, 'record', { value: agent, enumerable: false });
}

async function sessionCaller(token: string): Promise<Caller> {
  const session = await findSession(token);
  if (!session) throw new UnauthorizedError('Your session has expired or you signed out; sign in again');
  return session.subject === 'admin' ? { kind: 'admin' } : { kind: 'person', login: session.login, admin: session.admin };
}
