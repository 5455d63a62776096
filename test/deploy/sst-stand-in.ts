/**
 * A stand-in for SST's globals (`$config`, `$app`, `sst.aws.*`, `sst.Secret`…) that records every
 * component and its arguments instead of creating anything, so sst.config.ts and stacks/ can be
 * evaluated without the `sst` CLI. A component's outputs (`table.name`, `queue.url`, `secret.value`…)
 * are strings like `Dynamo:Table.name`, so the recording shows which resource every value came from.
 */
export interface RecordedComponent {
  type: string;
  name: string;
  /** `Type:Name`, also the prefix of its outputs. */
  ref: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  args: any;
}

export interface RecordedRoute {
  api: string;
  key: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handler: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  args?: any;
}

export interface RecordedSubscription {
  queue: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  subscriber: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  args?: any;
}

export interface Recording {
  components: RecordedComponent[];
  routes: RecordedRoute[];
  subscriptions: RecordedSubscription[];
}

const refs = new WeakMap<object, string>();

/** `Secret:GiteaToken` for a recorded component passed in a `link` array; the value itself otherwise. */
export const refOf = (value: unknown): string => (typeof value === 'object' && value !== null && refs.get(value)) || String(value);

function componentClass(type: string, recording: Recording, methods: Record<string, (ref: string, ...args: unknown[]) => unknown> = {}) {
  return class StandIn {
    constructor(name: string, args?: unknown) {
      const ref = `${type}:${name}`;
      if (recording.components.some((component) => component.ref === ref)) throw new Error(`Two components named ${ref}: SST names must be unique`);
      recording.components.push({ type, name, ref, args });
      const proxy = new Proxy(this, {
        get(_target, property) {
          if (typeof property === 'symbol' || property === 'then') return undefined;
          if (property in methods) return (...methodArgs: unknown[]) => methods[property](ref, ...methodArgs);
          return `${ref}.${property}`;
        },
      });
      refs.set(proxy, ref);
      return proxy;
    }
  };
}

/** Puts the stand-in on globalThis and returns what it records. */
export function installSstStandIn(stage: string): Recording {
  const recording: Recording = { components: [], routes: [], subscriptions: [] };
  const globals = globalThis as Record<string, unknown>;
  globals.$config = (config: unknown) => config;
  globals.$app = { name: 'aiworker', stage };
  globals.$dev = false;
  globals.$interpolate = (strings: TemplateStringsArray, ...values: unknown[]) => strings.reduce((out, part, i) => out + part + (i < values.length ? refOf(values[i]) : ''), '');
  globals.sst = {
    Secret: componentClass('Secret', recording),
    aws: {
      Dynamo: componentClass('Dynamo', recording),
      Queue: componentClass('Queue', recording, {
        subscribe: (queue, subscriber, args) => void recording.subscriptions.push({ queue, subscriber, args }),
      }),
      ApiGatewayV2: componentClass('ApiGatewayV2', recording, {
        route: (api, key, handler, args) => void recording.routes.push({ api, key: String(key), handler, args }),
      }),
      Function: componentClass('Function', recording),
      Cron: componentClass('Cron', recording),
    },
  };
  return recording;
}

export interface EvaluatedConfig {
  app: { production: SstApp; dev: SstApp };
  recording: Recording;
  outputs: Record<string, unknown>;
}

/** Evaluates sst.config.ts (and the stacks it imports) for `stage` with the stand-in installed. */
export async function evaluateSstConfig(stage = 'dev'): Promise<EvaluatedConfig> {
  const recording = installSstStandIn(stage);
  const { default: config } = (await import('../../sst.config.js')) as { default: SstConfig };
  const app = { production: config.app({ stage: 'production' }), dev: config.app({ stage: 'dev' }) };
  const outputs = ((await config.run()) ?? {}) as Record<string, unknown>;
  return { app, recording, outputs };
}
