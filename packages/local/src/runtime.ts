import { join } from 'node:path';
import type { Server } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { routes } from '@aiworker/infra/routes';
import { mcpFunction } from '@aiworker/infra/functions';
import { resolveAdminToken } from './admin-token.js';
import { startDynamoDbLocal, type DynamoDbLocal } from './emulators/dynamodb.js';
import { startSqsEmulator, type SqsEmulator } from './emulators/sqs.js';
import { projectRoot } from './handler-loader.js';
import { startHttpServer } from './http-server.js';
import { serveBoard } from './board-static.js';
import { ensureQueues, ensureTable } from './provision.js';
import { fromRouteTable, type HttpFunction } from './router.js';
import { startJobWorker, type JobWorkerOptions } from './worker-poller.js';
import { startSweeperTimer, type SweeperTimerOptions } from './sweeper-timer.js';
import { supplySecrets } from './secrets.js';

export interface RuntimeOptions {
  /** HTTP port; 0 picks a free one. Default: PORT or 3000. */
  port?: number;
  host?: string;
  /** Where DynamoDB Local keeps its data and the admin token lives. Default `.data/` in the project. */
  dataDir?: string;
  /** Use an already running DynamoDB (e.g. one shared by a test run) instead of starting one. */
  dynamoEndpoint?: string;
  /** Use an already running SQS endpoint instead of starting fauxqs. */
  sqsEndpoint?: string;
  tableName?: string;
  /** Prefix for queue names, so test files sharing one SQS endpoint keep apart. */
  queuePrefix?: string;
  adminToken?: string;
  /** Extra HTTP functions beside the REST route table (e.g. the MCP function URL). */
  functions?: HttpFunction[];
  /** Gitea the worker talks to (GITEA_URL and the GiteaToken secret; otherwise GITEA_URL / GITEA_TOKEN from the environment). */
  giteaUrl?: string;
  giteaToken?: string;
  /** The job worker polling the queue: its options, or `false` for none. */
  worker?: false | JobWorkerOptions;
  /** The lease sweeper timer: its options (e.g. `intervalMs`), or `false` for none. */
  sweeper?: false | SweeperTimerOptions;
  /** Serve the board (packages/board/dist) at `/`; default true. */
  board?: boolean;
  /**
   * Gitea webhooks: the secret they are signed with (AIWORKER_WEBHOOK_SECRET) and the public URL Gitea
   * reaches this server at (AIWORKER_PUBLIC_URL; default: the server's own URL). Without it, projects
   * register no hook.
   */
  webhooks?: { secret: string; publicUrl?: string };
}

export interface Runtime {
  url: string;
  adminToken: string;
  adminTokenSource: string;
  tableName: string;
  queueUrl: string;
  deadLetterUrl: string;
  dynamoEndpoint: string;
  sqsEndpoint: string;
  server: Server;
  /** Called on stop, last started first; later pieces (worker poller, sweeper) register here. */
  onStop(fn: () => Promise<void> | void): void;
  stop(): Promise<void>;
}

/** Points the AWS SDK and the handlers at the local emulators, as Lambda's environment would. */
function setEnvironment(values: Record<string, string>) {
  Object.assign(process.env, {
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    // Node 20 is supported locally; Lambda runs nodejs22.x.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...values,
  });
}

/** Starts DynamoDB Local, fauxqs, the table and queues, and an HTTP server that invokes the Lambda handlers. */
export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const dataDir = options.dataDir ?? join(projectRoot, '.data');
  const stops: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    let dynamo: DynamoDbLocal | undefined;
    const dynamoEndpoint = options.dynamoEndpoint ?? (dynamo = await startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb') })).endpoint;
    if (dynamo) stops.push(dynamo.stop);
    let sqs: SqsEmulator | undefined;
    const sqsEndpoint = options.sqsEndpoint ?? (sqs = await startSqsEmulator()).endpoint;
    if (sqs) stops.push(sqs.stop);

    const tableName = options.tableName ?? 'aiworker';
    const { token: adminToken, source: adminTokenSource } = options.adminToken
      ? { token: options.adminToken, source: 'options' }
      : resolveAdminToken(dataDir);
    setEnvironment({
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint,
      AIWORKER_TABLE: tableName,
      // CloudWatch EMF metric records are for AWS; on a laptop they would only flood the terminal.
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    });
    // Secrets reach the handlers through SST's Resource, as on AWS (GITEA_TOKEN: npm start's way to give one).
    supplySecrets({
      AdminToken: adminToken,
      GiteaToken: options.giteaToken ?? process.env.GITEA_TOKEN,
      GiteaClientSecret: process.env.AIWORKER_GITEA_CLIENT_SECRET,
    });

    const region = process.env.AWS_REGION!;
    const dynamoClient = new DynamoDBClient({ endpoint: dynamoEndpoint, region });
    await ensureTable(dynamoClient, tableName);
    dynamoClient.destroy();
    const sqsClient = new SQSClient({ endpoint: sqsEndpoint, region });
    const queues = await ensureQueues(sqsClient, options.queuePrefix);
    sqsClient.destroy();
    setEnvironment({ AIWORKER_QUEUE_URL: queues.queueUrl, AIWORKER_DLQ_URL: queues.deadLetterUrl });
    if (options.giteaUrl) setEnvironment({ GITEA_URL: options.giteaUrl });

    const port = options.port ?? Number(process.env.PORT ?? 3000);
    // The MCP function URL takes every method, like a Lambda function URL.
    const mcp: HttpFunction = { method: '*', path: mcpFunction.path, handler: mcpFunction.handler, routeKey: '$default' };
    const { server, url } = await startHttpServer(
      [...fromRouteTable(routes), mcp, ...(options.functions ?? [])],
      port,
      options.host,
      options.board === false ? undefined : (req, res, pathname) => serveBoard(req, res, pathname),
    );
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );

    if (options.webhooks) {
      setEnvironment({ AIWORKER_PUBLIC_URL: options.webhooks.publicUrl ?? process.env.AIWORKER_PUBLIC_URL ?? url });
      supplySecrets({ WebhookSecret: options.webhooks.secret });
    }

    if (options.worker !== false) {
      const worker = await startJobWorker({ sqsEndpoint, queueUrl: queues.queueUrl, region, ...options.worker });
      stops.push(worker.stop);
    }
    if (options.sweeper !== false) stops.push(startSweeperTimer(options.sweeper).stop);

    return {
      url,
      adminToken,
      adminTokenSource,
      tableName,
      queueUrl: queues.queueUrl,
      deadLetterUrl: queues.deadLetterUrl,
      dynamoEndpoint,
      sqsEndpoint,
      server,
      onStop: (fn) => void stops.push(fn),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
