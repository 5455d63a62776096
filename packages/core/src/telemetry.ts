import { AsyncLocalStorage } from 'node:async_hooks';
import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
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
        cold_start: context?.coldStart,
        function_name: context?.functionName,
        function_request_id: context?.awsRequestId,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(additional);
  }
}

/** The service is the kind of function (POWERTOOLS_SERVICE_NAME, set by the stacks), `aiworker` locally. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'aiworker', logFormatter: new CorrelatedLogFormatter() });

let metricsInstance: Metrics | undefined;
/**
 * Metrics in the POWERTOOLS_METRICS_NAMESPACE namespace (`aiworker`), made on first use (so the environment
 * decides, and a cold start pays nothing until a metric is written); off with POWERTOOLS_METRICS_DISABLED=true.
 */
export const metrics = (): Metrics => (metricsInstance ??= new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'aiworker', serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'aiworker' }));

/**
 * Emits one metric at once (its own EMF record, so concurrent work never mixes dimensions). Never throws:
 * a metric that cannot be written is not worth failing the work for.
 */
export function recordMetric(name: string, value = 1, unit: (typeof MetricUnit)[keyof typeof MetricUnit] = MetricUnit.Count, dimensions: Record<string, string> = {}): void {
  try {
    const single = metrics().singleMetric();
    for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
    single.addMetric(name, unit, value);
  } catch (error) {
    logger.warn('Could not record a metric', { metric: name, error: error as Error });
  }
}

export { MetricUnit };
