import { secret } from './secrets.js';

/** Runtime configuration, read from the environment on each call (Lambda sets it once per instance). */
export interface Config {
  tableName: string;
  queueUrl: string | undefined;
  adminToken: string | undefined;
  leaseSeconds: number;
  version: string;
  /** Sign-in with Gitea and board sessions. */
  auth: AuthConfig;
  /** Source addresses of reverse proxies whose X-Forwarded-Host is believed (AIWORKER_TRUSTED_PROXIES). */
  trustedProxies: string[];
  /** Multiplies the per-address rate limits (AIWORKER_RATE_LIMIT_SCALE, default 1), e.g. for an office behind one NAT address. */
  rateLimitScale: number;
}

export interface AuthConfig {
  /** Gitea's root URL (the OAuth2 provider). */
  giteaUrl: string | undefined;
  /** The OAuth2 application registered in Gitea for the board. */
  giteaClientId: string | undefined;
  giteaClientSecret: string | undefined;
  /** Members of these Gitea organizations may sign in (lower-cased). */
  allowedOrgs: string[];
  /** These Gitea logins may sign in (lower-cased). */
  allowedLogins: string[];
  /** These Gitea logins may sign in and are admins (lower-cased). */
  adminLogins: string[];
  /** How long a board session lasts. */
  sessionHours: number;
  /** The board's public origin (e.g. https://aiworker.example.com); default: the origin the request came to. */
  publicUrl: string | undefined;
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);

const DEFAULT_LEASE_SECONDS = 300;
const DEFAULT_SESSION_HOURS = 12;

export function config(): Config {
  const env = process.env;
  return {
    tableName: env.AIWORKER_TABLE ?? 'aiworker',
    queueUrl: env.AIWORKER_QUEUE_URL,
    adminToken: secret('AdminToken'),
    leaseSeconds: Number(env.AIWORKER_LEASE_SECONDS ?? DEFAULT_LEASE_SECONDS),
    version: env.AIWORKER_VERSION ?? '0.1.0',
    trustedProxies: list(env.AIWORKER_TRUSTED_PROXIES),
    rateLimitScale: Math.max(1, Number(env.AIWORKER_RATE_LIMIT_SCALE ?? 1) || 1),
    auth: {
      giteaUrl: env.GITEA_URL?.replace(/\/+$/, ''),
      giteaClientId: env.AIWORKER_GITEA_CLIENT_ID,
      giteaClientSecret: secret('GiteaClientSecret'),
      allowedOrgs: list(env.AIWORKER_ALLOWED_ORGS),
      allowedLogins: list(env.AIWORKER_ALLOWED_LOGINS),
      adminLogins: list(env.AIWORKER_ADMIN_LOGINS),
      sessionHours: Number(env.AIWORKER_SESSION_HOURS ?? DEFAULT_SESSION_HOURS) || DEFAULT_SESSION_HOURS,
      publicUrl: env.AIWORKER_PUBLIC_URL?.replace(/\/+$/, ''),
    },
  };
}
