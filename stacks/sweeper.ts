import { sweeperFunction } from '../infra/functions.js';
import { deployableOf, functionArgs, type Linked } from './lambda.js';

/** `rate(1 minute)` / `rate(5 minutes)`: EventBridge wants the singular for 1. */
export const rateExpression = (minutes: number) => `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`;

/** The lease sweeper on a schedule (sst.dev/docs/component/aws/cron: `schedule`, `function`). */
export function createSweeper(linked: Linked): unknown {
  return new sst.aws.Cron('Sweeper', {
    schedule: rateExpression(sweeperFunction.scheduleMinutes),
    function: functionArgs(deployableOf('sweeper'), linked),
  });
}
