/**
 * Deploys the functions of infra/ to LocalStack (or any endpoint speaking the AWS APIs) with the AWS SDK:
 * the table and the job queue + DLQ (the same ensureTable/ensureQueues the local runtime uses), one IAM
 * role per kind of function with only what access.ts grants it, one Lambda per bundle of `npm run build`,
 * a function URL for every HTTP function (REST routes and MCP), and the worker's SQS event source mapping
 * with partial batch responses. Prints the URLs.
 *
 *   npm run localstack:up && npm run localstack:deploy
 *   npx tsx localstack/deploy.ts --dry-run   # creates the table and queues, prints the Lambda calls instead
 *
 * Endpoint: AWS_ENDPOINT_URL (default http://localhost:4566); AWS_ENDPOINT_URL_DYNAMODB / _SQS override it
 * per service, as everywhere else in this project.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateRoleCommand, EntityAlreadyExistsException, GetRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ResourceConflictException,
  UpdateEventSourceMappingCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { queue } from '../infra/queue.js';
import { ensureQueues, ensureTable, type Queues } from '../packages/local/src/provision.js';
import { bundlePath, defaultOutdir, projectRoot } from '../scripts/build.js';
import { access, accessOf, environmentFor, queueActions, secretsOf, tableActions } from '../stacks/access.js';
import { deployables, nodeOptions, runtime, type Deployable, type FunctionKind } from '../stacks/deployables.js';
import { secretEnvironment } from '../packages/local/src/secrets.js';
import { createZip } from './zip.js';

export interface DeployOptions {
  /** Create the table and queues, but only print (and return) the IAM and Lambda calls. */
  dryRun?: boolean;
  /** AWS_ENDPOINT_URL, default http://localhost:4566. */
  endpoint?: string;
  /** Per-service endpoints; default AWS_ENDPOINT_URL_DYNAMODB / _SQS, else `endpoint`. */
  dynamoEndpoint?: string;
  sqsEndpoint?: string;
  region?: string;
  /** Where `npm run build` put the bundles. */
  bundlesDir?: string;
  tableName?: string;
  queuePrefix?: string;
  /** Lambda function and role names start with this. */
  namePrefix?: string;
  adminToken?: string;
  giteaUrl?: string;
  giteaToken?: string;
  webhookSecret?: string;
  /** The AWS endpoint as seen from inside a LocalStack Lambda container. */
  endpointInsideLambda?: string;
  log?: (line: string) => void;
}

/** One AWS API call: the SDK command's name and its input (binary code shown as a description). */
export interface PlannedCall {
  command: string;
  input: Record<string, unknown>;
}

export interface DeployResult {
  tableName: string;
  queues: Queues;
  adminToken: string;
  calls: PlannedCall[];
  /** Function URL per function id (e.g. `api-health`, `mcp-handler`). */
  urls: Record<string, string>;
  functionNames: Record<string, string>;
}

/** Functions reached over HTTP get a URL; the worker and the sweeper are invoked by AWS only, so they get none. */
export const hasUrl = (fn: Deployable) => fn.kind === 'rest' || fn.kind === 'mcp';

const LAMBDA_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});


/** The policy of one kind of function: logs, plus the table and queue only if access.ts links them. */
export function policyFor(kind: FunctionKind, arns: { table: string; queue: string }): string {
  const uses = access[kind];
  const statements: Record<string, unknown>[] = [
    { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
  ];
  if (uses.includes('table')) statements.push({ Effect: 'Allow', Action: tableActions, Resource: [arns.table, `${arns.table}/index/*`] });
  if (uses.includes('queue')) statements.push({ Effect: 'Allow', Action: queueActions[kind], Resource: arns.queue });
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** The input as JSON, with deployment packages shown by size instead of as bytes. */
const describeInput = (input: object): Record<string, unknown> =>
  JSON.parse(
    JSON.stringify(input, function (this: Record<string, unknown>, key: string, value: unknown) {
      const original = this[key];
      return original instanceof Uint8Array ? `<zip, ${original.length} bytes>` : value;
    }),
  );

export async function deploy(options: DeployOptions = {}): Promise<DeployResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const env = process.env;
  const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL ?? 'http://localhost:4566';
  const region = options.region ?? env.AWS_REGION ?? 'us-east-1';
  const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'test' };
  const client = <T>(Client: new (config: object) => T, serviceEndpoint = endpoint) => new Client({ endpoint: serviceEndpoint, region, credentials });
  const prefix = options.namePrefix ?? 'aiworker-';
  const tableName = options.tableName ?? 'aiworker';
  const bundlesDir = options.bundlesDir ?? defaultOutdir;
  const adminToken = options.adminToken ?? env.AIWORKER_ADMIN_TOKEN ?? `adm_${randomBytes(24).toString('hex')}`;
  const dryRun = options.dryRun ?? false;
  const calls: PlannedCall[] = [];

  /** Sends a command, or in a dry run prints it and answers with `dryRunOutput`. */
  async function send<O>(target: { send(command: never): Promise<unknown> }, command: { input: object }, dryRunOutput: O): Promise<O> {
    const call = { command: command.constructor.name, input: describeInput(command.input) };
    calls.push(call);
    if (dryRun) {
      log(`${call.command} ${JSON.stringify(call.input)}`);
      return dryRunOutput;
    }
    return (await target.send(command as never)) as O;
  }

  // 1. Table and queues: the same code as the local runtime, against the real endpoint even in a dry run.
  const dynamo = client(DynamoDBClient, options.dynamoEndpoint ?? env.AWS_ENDPOINT_URL_DYNAMODB ?? endpoint);
  log(`table ${tableName}: ${await ensureTable(dynamo, tableName)}`);
  const tableArn = (await dynamo.send(new DescribeTableCommand({ TableName: tableName }))).Table!.TableArn!;
  dynamo.destroy();
  const sqs = client(SQSClient, options.sqsEndpoint ?? env.AWS_ENDPOINT_URL_SQS ?? endpoint);
  const queues = await ensureQueues(sqs, options.queuePrefix);
  sqs.destroy();
  log(`queue ${queues.queueUrl} (dead letters: ${queues.deadLetterUrl}, after ${queue.maxReceiveCount} receives)`);

  const iam = client(IAMClient);
  const lambda = client(LambdaClient);
  try {
    // 2. One role per kind of function, allowed only what it is linked to.
    const roles: Partial<Record<FunctionKind, string>> = {};
    for (const kind of Object.keys(access) as FunctionKind[]) {
      const RoleName = `${prefix}${kind}`;
      let arn: string;
      try {
        arn = (await send(iam, new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: LAMBDA_TRUST }), { Role: { Arn: `arn:aws:iam::000000000000:role/${RoleName}` } })).Role!.Arn!;
      } catch (error) {
        if (!(error instanceof EntityAlreadyExistsException)) throw error;
        arn = (await iam.send(new GetRoleCommand({ RoleName }))).Role!.Arn!;
      }
      await send(iam, new PutRolePolicyCommand({ RoleName, PolicyName: 'access', PolicyDocument: policyFor(kind, { table: tableArn, queue: queues.queueArn }) }), {});
      roles[kind] = arn;
    }

    // 3. One Lambda per bundle, with the environment packages/core/src/config.ts reads.
    const values = { AIWORKER_TABLE: tableName, AIWORKER_QUEUE_URL: queues.queueUrl };
    const giteaUrl = options.giteaUrl ?? env.GITEA_URL ?? '';
    // Secrets as SST's Resource reads them (SST_RESOURCE_<Name>). SST would encrypt them into the bundle;
    // LocalStack has no SST, so here they are plain environment variables of the functions that use them.
    const secretValues = {
      AdminToken: adminToken,
      GiteaToken: options.giteaToken ?? env.GITEA_TOKEN ?? '',
      WebhookSecret: options.webhookSecret ?? env.AIWORKER_WEBHOOK_SECRET ?? '',
      GiteaClientSecret: env.AIWORKER_GITEA_CLIENT_SECRET ?? '',
    };
    const endpointInsideLambda = options.endpointInsideLambda ?? env.LOCALSTACK_ENDPOINT_IN_LAMBDA ?? 'http://localhost.localstack.cloud:4566';
    const functionNames: Record<string, string> = {};
    const urls: Record<string, string> = {};
    for (const fn of deployables()) {
      const FunctionName = `${prefix}${fn.id}`.slice(0, 64);
      functionNames[fn.id] = FunctionName;
      const file = bundlePath(bundlesDir, fn.handler);
      if (!existsSync(file) && !dryRun) throw new Error(`${relative(projectRoot, file)} is missing: run \`npm run build\` first`);
      const name = basename(file);
      const ZipFile = existsSync(file)
        ? createZip([
            { name, data: readFileSync(file) },
            ...(existsSync(`${file}.map`) ? [{ name: `${name}.map`, data: readFileSync(`${file}.map`) }] : []),
          ])
        : new Uint8Array();
      const configuration = {
        FunctionName,
        Runtime: runtime,
        Role: roles[fn.kind]!,
        Handler: `${name.replace(/\.mjs$/, '')}.handler`,
        Timeout: fn.kind === 'worker' ? queue.visibilityTimeoutSeconds : 30,
        MemorySize: 1024,
        Description: fn.route ? `${fn.route.method} ${fn.route.path}` : `${fn.kind} (${fn.handler})`,
        Environment: {
          Variables: {
            ...environmentFor(accessOf(fn), values),
            ...(fn.kind === 'worker' ? { GITEA_URL: giteaUrl } : {}),
            ...secretEnvironment(Object.fromEntries(secretsOf(fn).map((name) => [name, secretValues[name]]))),
            NODE_OPTIONS: `--enable-source-maps ${nodeOptions}`,
            AWS_ENDPOINT_URL: endpointInsideLambda,
          },
        },
      };
      try {
        await send(lambda, new CreateFunctionCommand({ ...configuration, Code: { ZipFile }, PackageType: 'Zip' }), {});
      } catch (error) {
        if (!(error instanceof ResourceConflictException)) throw error;
        await lambda.send(new UpdateFunctionCodeCommand({ FunctionName, ZipFile }));
        await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 120 }, { FunctionName });
        await lambda.send(new UpdateFunctionConfigurationCommand(configuration));
      }
      if (!dryRun) await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 120 }, { FunctionName });
      log(`function ${FunctionName} (${fn.kind}${dryRun ? `, ${existsSync(file) ? statSync(file).size : 'unbuilt'} bytes` : ''})`);

      // 4. A public URL for each HTTP function.
      if (hasUrl(fn)) {
        let url: string;
        try {
          url = (await send(lambda, new CreateFunctionUrlConfigCommand({ FunctionName, AuthType: 'NONE' }), {
            FunctionUrl: `https://${FunctionName}.lambda-url.${region}.localhost.localstack.cloud:4566/`,
          })).FunctionUrl!;
        } catch (error) {
          if (!(error instanceof ResourceConflictException)) throw error;
          url = (await lambda.send(new GetFunctionUrlConfigCommand({ FunctionName }))).FunctionUrl!;
        }
        try {
          await send(
            lambda,
            new AddPermissionCommand({ FunctionName, StatementId: 'public-function-url', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }),
            {},
          );
        } catch (error) {
          if (!(error instanceof ResourceConflictException)) throw error;
        }
        urls[fn.id] = url;
      }
    }

    // 5. The worker consumes the job queue, reporting failed messages one by one.
    const worker = deployables().find((fn) => fn.kind === 'worker')!;
    const mapping = {
      FunctionName: functionNames[worker.id],
      EventSourceArn: queues.queueArn,
      BatchSize: queue.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures' as const],
      Enabled: true,
    };
    try {
      await send(lambda, new CreateEventSourceMappingCommand(mapping), {});
    } catch (error) {
      if (!(error instanceof ResourceConflictException)) throw error;
      const existing = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: mapping.FunctionName, EventSourceArn: mapping.EventSourceArn }));
      const { EventSourceArn: _arn, ...update } = mapping;
      await lambda.send(new UpdateEventSourceMappingCommand({ ...update, UUID: existing.EventSourceMappings![0].UUID! }));
    }
    log(`event source mapping ${queues.queueArn} → ${mapping.FunctionName} (batch ${queue.batchSize}, ReportBatchItemFailures)`);

    return { tableName, queues, adminToken, calls, urls, functionNames };
  } finally {
    iam.destroy();
    lambda.destroy();
  }
}

async function main() {
  const dryRun = process.argv.includes('--dry-run');
  const result = await deploy({ dryRun });
  console.log(`\n${dryRun ? 'Dry run: nothing was sent to Lambda or IAM. ' : ''}Function URLs:`);
  for (const [id, url] of Object.entries(result.urls)) console.log(`  ${id.padEnd(24)} ${url}`);
  console.log(`\nAdmin token: ${result.adminToken}`);
  console.log(
    'REST functions with path parameters ({id}) need a router in front (function URL events carry none):\n' +
      '  npm run localstack:gateway   # then AIWORKER_E2E_API_URL=http://localhost:4599 npm run test:e2e',
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
