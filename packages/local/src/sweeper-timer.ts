import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { sweeperFunction } from '@aiworker/infra/functions';
import { lambdaContext } from './lambda-events.js';
import { loadHandler } from './handler-loader.js';

export interface SweeperTimerOptions {
  /** How often the sweeper runs. Default AIWORKER_SWEEP_INTERVAL_MS, else the schedule in infra/functions.ts (1 minute). */
  intervalMs?: number;
  /** The sweeper module; default the one infra/functions.ts names. */
  handlerPath?: string;
}

export interface SweeperTimer {
  stop(): Promise<void>;
}

/** The EventBridge event a schedule rule sends. */
function scheduledEvent(region: string): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:000000000000:rule/aiworker-sweeper`],
    detail: {},
  };
}

/**
 * Runs the lease sweeper on a timer, as the schedule does on AWS: invokes the sweeper handler with a
 * scheduled event. Runs never overlap; a failed run is logged and the next one comes on time.
 */
export function startSweeperTimer(options: SweeperTimerOptions = {}): SweeperTimer {
  const intervalMs = options.intervalMs ?? Number(process.env.AIWORKER_SWEEP_INTERVAL_MS ?? sweeperFunction.scheduleMinutes * 60_000);
  const handlerPath = options.handlerPath ?? sweeperFunction.handler;
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = (async () => {
      try {
        const handler = await loadHandler(handlerPath);
        await handler(scheduledEvent(process.env.AWS_REGION ?? 'us-east-1'), lambdaContext(handlerPath, 60_000));
      } catch (error) {
        console.error('Lease sweep failed', error);
      } finally {
        running = undefined;
      }
    })();
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
