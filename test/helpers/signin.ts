import { startGiteaStandIn, type GiteaStandIn, type StandInPerson } from '@aiworker/gitea-standin';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { supplySecrets } from '../../packages/local/src/secrets.js';
import { startTestRuntime } from './runtime.js';

/** The Set-Cookie values of a response, by cookie name. */
export function cookiesOf(response: Response): Record<string, { value: string; attributes: string }> {
  const out: Record<string, { value: string; attributes: string }> = {};
  for (const line of response.headers.getSetCookie()) {
    const [pair, ...attributes] = line.split(/;\s*/);
    const at = pair.indexOf('=');
    out[pair.slice(0, at)] = { value: decodeURIComponent(pair.slice(at + 1)), attributes: attributes.join('; ') };
  }
  return out;
}

/**
 * A runtime whose board signs people in with the Gitea stand-in: the stand-in knows `people`, the board is
 * a registered OAuth2 application (registered through the stand-in's API, as one would in Gitea), and
 * the allow-lists come from `allow`.
 */
export async function startSignInRuntime(
  people: StandInPerson[],
  allow: { orgs?: string[]; logins?: string[]; admins?: string[] },
): Promise<{ runtime: Runtime; gitea: GiteaStandIn }> {
  const gitea = await startGiteaStandIn({ users: ['aiworker'], orgs: ['acme'], oauth: { people } });
  Object.assign(process.env, {
    AIWORKER_ALLOWED_ORGS: (allow.orgs ?? []).join(','),
    AIWORKER_ALLOWED_LOGINS: (allow.logins ?? []).join(','),
    AIWORKER_ADMIN_LOGINS: (allow.admins ?? []).join(','),
  });
  const runtime = await startTestRuntime({ giteaUrl: gitea.url, giteaToken: gitea.token });
  runtime.onStop(() => gitea.close());
  const response = await fetch(`${gitea.baseUrl}/user/applications/oauth2`, {
    method: 'POST',
    headers: { authorization: `token ${gitea.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'aiworker board', redirect_uris: [`${runtime.url}/api/auth/gitea/callback`], confidential_client: true }),
  });
  const app = (await response.json()) as { client_id: string; client_secret: string };
  Object.assign(process.env, { AIWORKER_GITEA_CLIENT_ID: app.client_id, AIWORKER_GITEA_CLIENT_SECRET: app.client_secret });
  // The client secret reaches the handlers as an SST secret, the way the runtime hands over every secret.
  supplySecrets({ GiteaClientSecret: app.client_secret });
  return { runtime, gitea };
}

export interface SignInResult {
  /** The session cookie's value, when signed in. */
  session?: string;
  sessionAttributes?: string;
  /** Where the board was sent at the end (`/` or `/?signin_error=…`). */
  landedAt: string;
  /** The callback URL Gitea redirected to (to replay it). */
  callbackUrl: string;
  signInCookie: string;
}

/** Signs in through the stand-in the way a browser does: the board's redirect, Gitea's form, the callback. */
export async function signInWithGitea(baseUrl: string, login: string, password: string): Promise<SignInResult> {
  const start = await fetch(`${baseUrl}/api/auth/gitea/login`, { redirect: 'manual' });
  if (start.status !== 302) throw new Error(`login answered ${start.status}`);
  const signInCookie = cookiesOf(start).aiw_signin?.value ?? '';
  const authorize = new URL(start.headers.get('location')!);
  const form = new URLSearchParams(authorize.searchParams);
  form.set('user_name', login);
  form.set('password', password);
  const granted = await fetch(`${authorize.origin}/login/oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  if (granted.status !== 302) throw new Error(`Gitea's form answered ${granted.status}: ${await granted.text()}`);
  const callbackUrl = granted.headers.get('location')!;
  const back = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie: `aiw_signin=${signInCookie}` } });
  const session = cookiesOf(back).aiw_session;
  return {
    session: session?.value || undefined,
    sessionAttributes: session?.attributes,
    landedAt: back.headers.get('location') ?? '',
    callbackUrl,
    signInCookie,
  };
}
