import { config } from './config.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, LogItemExtraInput, LogItemMessage, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * What an operator reads: one Powertools Logger and one Powertools Metrics (CloudWatch EMF) for the whole
 * process, and a correlation id that follows one piece of work — a REST request or MCP call, the job message
 * it sends, and the worker's Gitea calls for that job. The id lives in an AsyncLocalStorage scope, so work
 * running side by side in one process (the local runtime) keeps its own, and every log line written inside
 * the scope carries it as `correlation_id`.
 */
const scope = new AsyncLocalStorage<{ correlationId: string }>();

/** The correlation id of the work being done, if any. */
export const correlationId = (): string | undefined => scope.getStore()?.correlationId;

/** Runs `work` with `id` as its correlation id. */
export const withCorrelation = <T>(id: string, work: () => T): T => scope.run({ correlationId: id }, work);

/** A correlation id a caller may send (`X-Correlation-Id`): short, printable, no spaces. */
export const acceptableCorrelationId = (value: string | undefined): string | undefined =>
  value && /^[\w.:@/+=-]{1,128}$/.test(value) ? value : undefined;

/** Powertools' JSON log lines, plus the correlation id of the current scope. */
class CorrelatedLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        correlation_id: correlationId(),
        cold_start: context ? invocations <= 1 : undefined,
        function_name: context?.functionName,
        function_request_id: context?.awsRequestId,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(additional);
  }
}

type LogLevel = Parameters<Logger['setLogLevel']>[0];
type LambdaContext = Parameters<Logger['addContext']>[0];

/** Invocations this process has started (a context was added for each): the first one is the cold start. */
let invocations = 0;
let powertools: Logger | undefined;
let lambdaContext: LambdaContext | undefined;
let level: LogLevel | undefined;

/** The Powertools Logger, made when the first line is written (the service is POWERTOOLS_SERVICE_NAME, set by the stacks). */
function powertoolsLogger(): Logger {
  if (!powertools) {
    powertools = new Logger({ serviceName: config().telemetry.serviceName, logFormatter: new CorrelatedLogFormatter() });
    if (level) powertools.setLogLevel(level);
    if (lambdaContext) powertools.addContext(lambdaContext);
  }
  return powertools;
}

/**
 * The process's logger: Powertools' Logger, made on the first line written rather than at import. Making
 * it costs a few milliseconds of a cold start, and most requests write no line at all.
 */
export const logger = {
  info: (input: LogItemMessage, ...extra: LogItemExtraInput) => powertoolsLogger().info(input, ...extra),
  warn: (input: LogItemMessage, ...extra: LogItemExtraInput) => powertoolsLogger().warn(input, ...extra),
  error: (input: LogItemMessage, ...extra: LogItemExtraInput) => powertoolsLogger().error(input, ...extra),
  /** The Lambda context of the invocation that starts now (function name, request id, cold start). */
  addContext(context: LambdaContext): void {
    invocations++;
    lambdaContext = context;
    powertools?.addContext(context);
  },
  setLogLevel(logLevel: LogLevel): void {
    level = logLevel;
    powertools?.setLogLevel(logLevel);
  },
};

let metricsInstance: Metrics | undefined;
/**
 * Metrics in the POWERTOOLS_METRICS_NAMESPACE namespace (`aiworker`), made on first use (so the environment
 * decides, and a cold start pays nothing until a metric is written); off with POWERTOOLS_METRICS_DISABLED=true.
 */
export const metrics = (): Metrics => (metricsInstance ??= new Metrics({ namespace: config().telemetry.metricsNamespace, serviceName: config().telemetry.serviceName }));

/**
 * Emits one metric at once, as its own EMF record: its dimensions and value are added to the process's one
 * Metrics and published in the same synchronous step, so concurrent work never mixes dimensions (nothing
 * else runs in between, and publishing clears them). Powertools' `singleMetric()` does the same on a new
 * Metrics per call, which cost a claim about 7% of its CPU (bench `claims`, one agent). Never throws: a metric
 * that cannot be written is not worth failing the work for.
 */
export function recordMetric(name: string, value = 1, unit: (typeof MetricUnit)[keyof typeof MetricUnit] = MetricUnit.Count, dimensions: Record<string, string> = {}): void {
  let shared: Metrics | undefined;
  try {
    shared = metrics();
    for (const key in dimensions) shared.addDimension(key, dimensions[key]);
    shared.addMetric(name, unit, value);
    shared.publishStoredMetrics();
  } catch (error) {
    shared?.clearMetrics();
    shared?.clearDimensions();
    logger.warn('Could not record a metric', { metric: name, error: error as Error });
  }
}

export { MetricUnit };
