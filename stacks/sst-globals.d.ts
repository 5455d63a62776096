/**
 * The few SST v3 globals that `sst.config.ts` and `stacks/` use, typed so `tsc` checks them here.
 * The `sst` CLI cannot run on these machines (it downloads Pulumi on first use), so the real
 * `.sst/platform/config.d.ts` it generates is not available; where SST runs it provides these globals.
 * Option names follow the SST component docs on sst.dev (Dynamo, Queue, ApiGatewayV2, Function, Cron, Secret).
 */

interface SstAppInput {
  stage?: string;
}

interface SstApp {
  name: string;
  removal?: 'remove' | 'retain' | 'retain-all';
  protect?: boolean;
  home: 'aws' | 'cloudflare' | 'local';
}

interface SstConfig {
  app(input: SstAppInput): SstApp;
  run(): Promise<Record<string, unknown> | void>;
}

/** What SST calls FunctionArgs (sst.dev/docs/component/aws/function), the subset used here. */
interface SstFunctionArgs {
  handler: string;
  runtime?: 'nodejs20.x' | 'nodejs22.x';
  timeout?: string;
  memory?: string;
  description?: string;
  link?: unknown[];
  environment?: Record<string, unknown>;
  url?: boolean;
}

interface SstDynamo {
  readonly name: string;
  readonly arn: string;
}

interface SstQueue {
  readonly url: string;
  readonly arn: string;
  subscribe(subscriber: string | SstFunctionArgs, args?: { batch?: { size?: number; window?: string; partialResponses?: boolean } }): unknown;
}

interface SstApiGatewayV2 {
  readonly url: string;
  route(rawRoute: string, handler: string | SstFunctionArgs, args?: Record<string, unknown>): unknown;
}

interface SstFunction {
  readonly name: string;
  readonly arn: string;
  readonly url: string;
}

interface SstSecret {
  readonly name: string;
  readonly value: string;
}

declare const sst: {
  Secret: new (name: string, placeholder?: string) => SstSecret;
  aws: {
    Dynamo: new (
      name: string,
      args: {
        fields: Record<string, 'string' | 'number' | 'binary'>;
        primaryIndex: { hashKey: string; rangeKey?: string };
        globalIndexes?: Record<string, { hashKey: string; rangeKey?: string; projection?: 'all' | 'keys-only' | string[] }>;
        ttl?: string;
      },
    ) => SstDynamo;
    Queue: new (
      name: string,
      args?: { visibilityTimeout?: string; dlq?: string | { queue: string; retry?: number }; transform?: { queue?: Record<string, unknown> } },
    ) => SstQueue;
    ApiGatewayV2: new (name: string, args?: Record<string, unknown>) => SstApiGatewayV2;
    Function: new (name: string, args: SstFunctionArgs) => SstFunction;
    Cron: new (name: string, args: { schedule: string; function: string | SstFunctionArgs; enabled?: boolean }) => unknown;
  };
};

declare const $app: { name: string; stage: string };

declare function $config(config: SstConfig): SstConfig;
