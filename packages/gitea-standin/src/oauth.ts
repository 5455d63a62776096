import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HandlerContext, Reply } from './handlers.js';
import { now, type GiteaState, type StandInUser } from './state.js';

/**
 * Gitea as an OAuth2 provider, the part aiworker's board uses: OAuth2 applications
 * (`POST /api/v1/user/applications/oauth2`), the authorization-code grant with PKCE (`/login/oauth/authorize`,
 * `/login/oauth/access_token`), access tokens accepted by the API (`/api/v1/user`, `/api/v1/user/orgs`).
 *
 * Real Gitea signs a person in at /user/login and asks them to grant access; the stand-in does both in one
 * simple form. Redirect URIs match exactly (case and a trailing slash aside), and, as Gitea does for
 * public clients only, an http loopback redirect URI matches whatever its port.
 */
export interface StandInPerson {
  login: string;
  password: string;
  /** Organizations the person is a member of (created when missing). */
  orgs?: string[];
}

export interface OAuthOptions {
  people?: StandInPerson[];
  /** Any name with any non-empty password signs in (the user is created), a member of these orgs: for `npm start`. */
  openSignIn?: { orgs: string[] };
}

export interface OAuthApp {
  id: number;
  name: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  confidential: boolean;
  created: string;
}

export interface Grant {
  clientId: string;
  redirectUri: string;
  login: string;
  challenge?: string;
  challengeMethod?: string;
  expires: number;
}

/** What an OAuthProvider keeps across a restart: applications, people, grants and access tokens. */
export interface SavedOAuth {
  nextAppId: number;
  apps: OAuthApp[];
  grants: Record<string, Grant>;
  tokens: Record<string, { login: string; expires: number }>;
  /** Login → salted SHA-256 of the password (`salt:hash`, hex). */
  passwords: Record<string, string>;
  memberships: Record<string, string[]>;
}

const CODE_SECONDS = 600;
const TOKEN_SECONDS = 3600;
const providers = new WeakMap<GiteaState, OAuthProvider>();

export const oauthOf = (state: GiteaState): OAuthProvider | undefined => providers.get(state);

const hash = (value: string) => createHash('sha256').update(value).digest();
const same = (a: string, b: string) => timingSafeEqual(hash(a), hash(b));
/** A password as kept: never in the clear, since the state goes to a file. */
const passwordHash = (password: string, salt = randomBytes(16).toString('hex')) => `${salt}:${createHash('sha256').update(`${salt}:${password}`).digest('hex')}`;
const passwordMatches = (kept: string, password: string) => same(kept, passwordHash(password, kept.split(':')[0]));
const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export class OAuthProvider {
  private readonly apps = new Map<string, OAuthApp>();
  private readonly grants = new Map<string, Grant>();
  private readonly tokens = new Map<string, { login: string; expires: number }>();
  private readonly passwords = new Map<string, string>();
  private readonly memberships = new Map<string, Set<string>>();
  private nextAppId = 1;

  constructor(
    private readonly state: GiteaState,
    private readonly options: OAuthOptions = {},
  ) {
    providers.set(state, this);
    for (const person of options.people ?? []) this.addPerson(person);
  }

  /** Everything above, for a restart (JSON-safe). */
  save(): SavedOAuth {
    return {
      nextAppId: this.nextAppId,
      apps: [...this.apps.values()],
      grants: Object.fromEntries(this.grants),
      tokens: Object.fromEntries(this.tokens),
      passwords: Object.fromEntries(this.passwords),
      memberships: Object.fromEntries([...this.memberships].map(([login, orgs]) => [login, [...orgs]])),
    };
  }

  /** Takes up what `save()` returned before a restart; people given as options keep the passwords given. */
  restore(saved: SavedOAuth): void {
    this.nextAppId = saved.nextAppId;
    for (const app of saved.apps) this.apps.set(app.clientId, app);
    for (const [code, grant] of Object.entries(saved.grants)) this.grants.set(code, grant);
    for (const [token, entry] of Object.entries(saved.tokens)) this.tokens.set(token, entry);
    for (const [login, kept] of Object.entries(saved.passwords)) if (!this.passwords.has(login)) this.passwords.set(login, kept);
    for (const [login, orgs] of Object.entries(saved.memberships)) {
      const set = this.memberships.get(login) ?? new Set<string>();
      for (const org of orgs) set.add(org);
      this.memberships.set(login, set);
    }
  }

  /** The registered application with this client id, if any. */
  app(clientId: string): OAuthApp | undefined {
    return this.apps.get(clientId);
  }

  addPerson(person: StandInPerson): StandInUser {
    const user = this.state.users.get(person.login.toLowerCase()) ?? this.state.addUser(person.login);
    this.passwords.set(user.login.toLowerCase(), passwordHash(person.password));
    const orgs = this.memberships.get(user.login.toLowerCase()) ?? new Set<string>();
    for (const org of person.orgs ?? []) {
      if (!this.state.orgs.has(org.toLowerCase())) this.state.addOrg(org);
      orgs.add(org.toLowerCase());
    }
    this.memberships.set(user.login.toLowerCase(), orgs);
    return user;
  }

  orgsOf(login: string): StandInUser[] {
    return [...(this.memberships.get(login.toLowerCase()) ?? [])].map((org) => this.state.orgs.get(org)!).filter(Boolean);
  }

  createApp(input: { name: string; redirectUris: string[]; confidential: boolean }): OAuthApp {
    const app: OAuthApp = {
      id: this.nextAppId++,
      name: input.name,
      clientId: randomBytes(18).toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, '$1-$2-$3-$4-$5'),
      clientSecret: `gto_${randomBytes(24).toString('base64url')}`,
      redirectUris: input.redirectUris,
      confidential: input.confidential,
      created: now(),
    };
    this.apps.set(app.clientId, app);
    return app;
  }

  /** The user an OAuth2 access token belongs to (the API accepts these like personal tokens). */
  userForToken(token: string): StandInUser | undefined {
    const entry = this.tokens.get(token);
    if (!entry || entry.expires < Date.now()) return undefined;
    return this.state.users.get(entry.login.toLowerCase());
  }

  /** Gitea's ContainsRedirectURI. */
  private redirectAllowed(app: OAuthApp, uri: string): boolean {
    const norm = (value: string) => value.toLowerCase().replace(/\/$/, '');
    const contains = (value: string) => app.redirectUris.some((registered) => norm(registered) === norm(value));
    if (!app.confidential) {
      try {
        const url = new URL(uri);
        if (url.protocol === 'http:' && url.port && ['127.0.0.1', '[::1]'].includes(url.hostname)) {
          url.port = '';
          if (contains(url.toString())) return true;
        }
      } catch {
        return false;
      }
    }
    return contains(uri);
  }

  /** Serves `/login/oauth/*`; false for any other path. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL, raw: string): Promise<boolean> {
    if (url.pathname === '/login/oauth/authorize') {
      if (req.method === 'GET') this.authorizePage(res, url.searchParams);
      else if (req.method === 'POST') this.authorizeSubmit(res, new URLSearchParams(raw));
      else res.writeHead(405, { Allow: 'GET, POST' }).end();
      return true;
    }
    if (url.pathname === '/login/oauth/access_token') {
      if (req.method !== 'POST') res.writeHead(405, { Allow: 'POST' }).end();
      else this.accessToken(req, res, raw);
      return true;
    }
    return false;
  }

  /** Checks client and redirect URI; returns an error message for the person (never redirected, as Gitea does). */
  private checkClient(params: URLSearchParams): { app: OAuthApp } | { error: string } {
    const app = this.apps.get(params.get('client_id') ?? '');
    if (!app) return { error: 'Client ID not registered' };
    if (!this.redirectAllowed(app, params.get('redirect_uri') ?? '')) return { error: 'Unregistered Redirect URI' };
    return { app };
  }

  private redirectError(res: ServerResponse, params: URLSearchParams, error: string, description: string) {
    const target = new URL(params.get('redirect_uri')!);
    target.searchParams.set('error', error);
    target.searchParams.set('error_description', description);
    if (params.get('state')) target.searchParams.set('state', params.get('state')!);
    res.writeHead(302, { Location: target.toString() }).end();
  }

  private protocolError(params: URLSearchParams): [string, string] | undefined {
    if (params.get('response_type') !== 'code') return ['unsupported_response_type', 'Only code response type is supported.'];
    const method = params.get('code_challenge_method');
    if (params.get('code_challenge') && method && method !== 'S256' && method !== 'plain') return ['invalid_request', 'unsupported code challenge method'];
    const app = this.apps.get(params.get('client_id')!)!;
    if (!app.confidential && !params.get('code_challenge')) return ['invalid_request', 'PKCE is required for public clients'];
    return undefined;
  }

  private authorizePage(res: ServerResponse, params: URLSearchParams, problem?: string) {
    const client = this.checkClient(params);
    if ('error' in client) return this.page(res, 400, 'Sign-in failed', `<p role="alert">${escapeHtml(client.error)}</p>`);
    const protocol = this.protocolError(params);
    if (protocol) return this.redirectError(res, params, ...protocol);
    const hidden = [...params].map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('');
    this.page(
      res,
      problem ? 401 : 200,
      'Sign in',
      `<p>Sign in to authorize <strong>${escapeHtml(client.app.name)}</strong> to see your account and organizations.</p>
${problem ? `<p role="alert" class="error">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="/login/oauth/authorize">${hidden}
<label for="user_name">Username or email address</label><input id="user_name" name="user_name" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in and authorize</button></form>`,
    );
  }

  private authorizeSubmit(res: ServerResponse, form: URLSearchParams) {
    const client = this.checkClient(form);
    if ('error' in client) return this.page(res, 400, 'Sign-in failed', `<p role="alert">${escapeHtml(client.error)}</p>`);
    const protocol = this.protocolError(form);
    if (protocol) return this.redirectError(res, form, ...protocol);
    const login = (form.get('user_name') ?? '').trim();
    const password = form.get('password') ?? '';
    const user = this.signIn(login, password);
    const params = new URLSearchParams([...form].filter(([name]) => name !== 'user_name' && name !== 'password'));
    if (!user) return this.authorizePage(res, params, 'Username or password is incorrect.');
    const code = randomBytes(24).toString('base64url');
    this.grants.set(code, {
      clientId: client.app.clientId,
      redirectUri: form.get('redirect_uri')!,
      login: user.login,
      challenge: form.get('code_challenge') ?? undefined,
      challengeMethod: form.get('code_challenge_method') ?? undefined,
      expires: Date.now() + CODE_SECONDS * 1000,
    });
    const target = new URL(form.get('redirect_uri')!);
    target.searchParams.set('code', code);
    if (form.get('state')) target.searchParams.set('state', form.get('state')!);
    res.writeHead(302, { Location: target.toString() }).end();
  }

  private signIn(login: string, password: string): StandInUser | undefined {
    if (!login || !password) return undefined;
    const known = this.passwords.get(login.toLowerCase());
    if (known !== undefined) return passwordMatches(known, password) ? this.state.users.get(login.toLowerCase()) : undefined;
    if (this.options.openSignIn && /^[A-Za-z0-9_.-]{1,40}$/.test(login)) return this.addPerson({ login, password, orgs: this.options.openSignIn.orgs });
    return undefined;
  }

  /** RFC 6749 §4.1.3 with RFC 7636 §4.5; form or JSON body, client credentials in the body or Basic auth. */
  private accessToken(req: IncomingMessage, res: ServerResponse, raw: string) {
    const fail = (status: number, error: string, description: string) =>
      res.writeHead(status, { 'Content-Type': 'application/json;charset=utf-8' }).end(JSON.stringify({ error, error_description: description }));
    const isJson = /json/i.test(req.headers['content-type'] ?? '');
    let body: Record<string, string>;
    try {
      body = isJson ? (JSON.parse(raw) as Record<string, string>) : Object.fromEntries(new URLSearchParams(raw));
    } catch {
      return fail(400, 'invalid_request', 'cannot parse the body');
    }
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const [id, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
      body.client_id ??= decodeURIComponent(id ?? '');
      body.client_secret ??= decodeURIComponent(secret ?? '');
    }
    if (body.grant_type !== 'authorization_code') return fail(400, 'unsupported_grant_type', 'Only refresh_token or authorization_code grant type is supported');
    const app = this.apps.get(body.client_id ?? '');
    if (!app) return fail(400, 'invalid_client', 'cannot load client');
    if (app.confidential && !same(app.clientSecret, body.client_secret ?? '')) return fail(400, 'unauthorized_client', 'invalid client secret');
    const grant = this.grants.get(body.code ?? '');
    this.grants.delete(body.code ?? '');
    if (!grant || grant.expires < Date.now() || grant.clientId !== app.clientId) return fail(400, 'invalid_grant', 'client is not authorized');
    if (grant.redirectUri !== body.redirect_uri) return fail(400, 'unauthorized_client', 'unexpected redirect URI');
    if (grant.challenge) {
      const verifier = body.code_verifier ?? '';
      const computed = grant.challengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
      if (!verifier || computed !== grant.challenge) return fail(400, 'unauthorized_client', 'failed PKCE code challenge');
    }
    const accessToken = randomBytes(30).toString('base64url');
    this.tokens.set(accessToken, { login: grant.login, expires: Date.now() + TOKEN_SECONDS * 1000 });
    res
      .writeHead(200, { 'Content-Type': 'application/json;charset=utf-8' })
      .end(JSON.stringify({ access_token: accessToken, token_type: 'bearer', expires_in: TOKEN_SECONDS, refresh_token: randomBytes(30).toString('base64url') }));
  }

  private page(res: ServerResponse, status: number, title: string, body: string) {
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} - Gitea (stand-in)</title>
<style>body{font:16px system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.8rem 0 .2rem}
input{width:100%;padding:.5rem;box-sizing:border-box}button{margin-top:1rem;padding:.6rem 1rem;background:#609926;color:#fff;border:0;border-radius:4px}
.error{color:#b00020}</style></head><body><h1>${title}</h1><p><small>Gitea stand-in</small></p>${body}</body></html>`);
  }
}

/** API operations of the OAuth2 part, dispatched like the stand-in's other handlers. */
export const oauthHandlers: Record<string, (ctx: HandlerContext) => Reply> = {
  orgListCurrentUserOrgs: (ctx) => {
    const orgs = oauthOf(ctx.state)?.orgsOf(ctx.user!.login) ?? [];
    return { status: 200, body: orgs.map((org) => organization(ctx, org)), headers: { 'X-Total-Count': String(orgs.length) } };
  },
  userCreateOAuth2Application: (ctx) => {
    const provider = oauthOf(ctx.state);
    const body = ctx.body ?? {};
    const name = typeof body.name === 'string' ? body.name : '';
    const redirectUris = Array.isArray(body.redirect_uris) ? body.redirect_uris.filter((uri): uri is string => typeof uri === 'string') : [];
    if (!provider) return { status: 400, body: ctx.shapes.apiError('OAuth2 is not enabled on this stand-in') };
    if (!name) return { status: 400, body: ctx.shapes.apiError('[Name]: Required') };
    const app = provider.createApp({ name, redirectUris, confidential: body.confidential_client !== false });
    return {
      status: 201,
      body: {
        id: app.id,
        name: app.name,
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uris: app.redirectUris,
        confidential_client: app.confidential,
        created: app.created,
      },
    };
  },
};

function organization(ctx: HandlerContext, org: StandInUser) {
  const root = ctx.shapes.user(org).html_url.replace(/\/[^/]+$/, '');
  return {
    id: org.id,
    name: org.login,
    username: org.login,
    full_name: '',
    email: '',
    avatar_url: `${root}/avatars/${org.id}`,
    description: '',
    website: '',
    location: '',
    visibility: 'public',
    repo_admin_change_team_access: false,
  };
}
