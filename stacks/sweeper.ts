import { rateExpression, sweeperFunction } from '../infra/functions.js';
import { deployableOf, functionArgs, type Linked } from './lambda.js';

/** The lease sweeper on a schedule (sst.dev/docs/component/aws/cron-v2: EventBridge Scheduler, `schedule`, `function`). */
export function createSweeper(linked: Linked): sst.aws.CronV2 {
  return new sst.aws.CronV2('Sweeper', {
    schedule: rateExpression(sweeperFunction.scheduleMinutes),
    function: functionArgs(deployableOf('sweeper'), linked),
  });
}
