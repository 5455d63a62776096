import { secret } from './secrets.js';

/**
 * Runtime configuration, read from the environment on each call (Lambda sets it once per instance). The one
 * file of core that reads `process.env` (Biome's noProcessEnv holds the rest of core to it).
 */
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
  /** How often the sweeper asks for a project's CI sync at most (AIWORKER_CHECK_SYNC_SECONDS, 60). */
  checkSyncSeconds: number;
  /** How long a preview may outlive its closed pull request before it is reported (AIWORKER_PREVIEW_GRACE_SECONDS, 1800). */
  previewGraceSeconds: number;
  /** The job queue's dead-letter queue (AIWORKER_DLQ_URL). */
  deadLetterQueueUrl: string | undefined;
  /** Endpoints other than AWS (fauxqs, DynamoDB Local, LocalStack): AWS_ENDPOINT_URL_SQS / _DYNAMODB, else AWS_ENDPOINT_URL. */
  endpoints: { sqs: string | undefined; dynamodb: string | undefined };
  /** Attempts of each DynamoDB call, the SDK's own retries included (AIWORKER_DYNAMODB_MAX_ATTEMPTS, default 4). */
  dynamodbMaxAttempts: number;
  /** Job retries: AIWORKER_RETRY_BASE_SECONDS, AIWORKER_RETRY_MAX_SECONDS, AIWORKER_JOB_LEASE_SECONDS (undefined: the queue's visibility timeout). */
  jobRetry: { baseSeconds: number; maxSeconds: number; leaseSeconds: number | undefined };
  /** Seconds a queued job may sit unchanged before its message is sent again (AIWORKER_JOB_RESEND_SECONDS; undefined: after the longest backoff). */
  jobResendSeconds: number | undefined;
  /** The worker's Gitea: GITEA_URL as given and GITEA_TIMEOUT_MS per call (default 10 s); the Gitea login aiworker uses (AIWORKER_GITEA_LOGIN). */
  gitea: { url: string | undefined; timeoutMs: number; login: string | undefined };
  /** Days a task's log is kept (AIWORKER_LOG_RETENTION_DAYS, default 14). */
  logRetentionDays: number;
  /** AIWORKER_NOTIFY_ALLOW_PRIVATE=true: notifications may go to loopback, link-local and private addresses. */
  notifyAllowPrivate: boolean;
  /** Milliseconds one instance reuses a board it read (AIWORKER_BOARD_CACHE_MS, default 1000). */
  boardCacheMs: number;
  /** Where Gitea reaches the webhook receiver: AIWORKER_WEBHOOK_URL as given (trimmed), else derived from publicUrl. */
  webhookUrl: string | undefined;
  /** Powertools' service name and metrics namespace (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE; default `aiworker`). */
  telemetry: { serviceName: string; metricsNamespace: string };
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

/** A number from the environment, or `fallback` when unset, not a number or below zero. */
function count(value: string | undefined, fallback: number): number;
function count(value: string | undefined, fallback?: number): number | undefined;
function count(value: string | undefined, fallback?: number): number | undefined {
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : fallback;
}

/**
 * The two settings every DynamoDB call reads (the table, the endpoint), read alone: `config()` builds the
 * whole configuration (some 40 variables), which cost a claim about 4% of its CPU when each call built it.
 */
export const tableNameSetting = (): string => process.env.AIWORKER_TABLE ?? 'aiworker';
export const dynamodbEndpointSetting = (): string | undefined => process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL;

const DEFAULT_LEASE_SECONDS = 300;
const DEFAULT_SESSION_HOURS = 12;

export function config(): Config {
  const env = process.env;
  return {
    tableName: tableNameSetting(),
    queueUrl: env.AIWORKER_QUEUE_URL,
    get adminToken() {
      return secret('AdminToken');
    },
    leaseSeconds: Number(env.AIWORKER_LEASE_SECONDS ?? DEFAULT_LEASE_SECONDS),
    version: env.AIWORKER_VERSION ?? '0.1.0',
    trustedProxies: list(env.AIWORKER_TRUSTED_PROXIES),
    rateLimitScale: Math.max(1, Number(env.AIWORKER_RATE_LIMIT_SCALE ?? 1) || 1),
    deadLetterQueueUrl: env.AIWORKER_DLQ_URL,
    endpoints: { sqs: env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL, dynamodb: dynamodbEndpointSetting() },
    dynamodbMaxAttempts: Number(env.AIWORKER_DYNAMODB_MAX_ATTEMPTS ?? 4),
    jobRetry: {
      baseSeconds: count(env.AIWORKER_RETRY_BASE_SECONDS, 5),
      maxSeconds: count(env.AIWORKER_RETRY_MAX_SECONDS, 300),
      leaseSeconds: count(env.AIWORKER_JOB_LEASE_SECONDS),
    },
    jobResendSeconds: env.AIWORKER_JOB_RESEND_SECONDS === undefined ? undefined : Number(env.AIWORKER_JOB_RESEND_SECONDS),
    gitea: { url: env.GITEA_URL, timeoutMs: Number(env.GITEA_TIMEOUT_MS ?? 10_000), login: env.AIWORKER_GITEA_LOGIN },
    logRetentionDays: Number(env.AIWORKER_LOG_RETENTION_DAYS ?? 14),
    notifyAllowPrivate: env.AIWORKER_NOTIFY_ALLOW_PRIVATE === 'true',
    boardCacheMs: Number(env.AIWORKER_BOARD_CACHE_MS ?? 1000),
    checkSyncSeconds: Math.max(1, count(env.AIWORKER_CHECK_SYNC_SECONDS, 60)),
    previewGraceSeconds: count(env.AIWORKER_PREVIEW_GRACE_SECONDS, 1800),
    webhookUrl: env.AIWORKER_WEBHOOK_URL?.trim() || undefined,
    telemetry: { serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'aiworker', metricsNamespace: env.POWERTOOLS_METRICS_NAMESPACE ?? 'aiworker' },
    auth: {
      giteaUrl: env.GITEA_URL?.replace(/\/+$/, ''),
      giteaClientId: env.AIWORKER_GITEA_CLIENT_ID,
      get giteaClientSecret() {
        return secret('GiteaClientSecret');
      },
      allowedOrgs: list(env.AIWORKER_ALLOWED_ORGS),
      allowedLogins: list(env.AIWORKER_ALLOWED_LOGINS),
      adminLogins: list(env.AIWORKER_ADMIN_LOGINS),
      sessionHours: Number(env.AIWORKER_SESSION_HOURS ?? DEFAULT_SESSION_HOURS) || DEFAULT_SESSION_HOURS,
      publicUrl: env.AIWORKER_PUBLIC_URL?.replace(/\/+$/, ''),
    },
  };
}
