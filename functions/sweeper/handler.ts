import { logger, resendStalledJobs, scheduleCheckSyncs, sweepExpiredLeases } from '@aiworker/core';

/**
 * Scheduled (EventBridge, see infra/functions.ts): agents silent past their lease go offline, their
 * in-progress tasks back to the backlog; and no job waits forever: queued jobs whose message may be lost
 * and running jobs whose worker died (lease ended) are sent to the queue again.
 */
export const handler = async () => {
  const result = await sweepExpiredLeases();
  if (result.expiredAgents.length) logger.info('Leases expired', { ...result });
  const resentJobs = await resendStalledJobs();
  if (resentJobs) logger.info('Stalled jobs sent to the queue again', { resentJobs });
  // CI statuses of tasks in review, read from Gitea (the path that needs no status webhook): docs/ci.md.
  const checkSyncs = await scheduleCheckSyncs().catch((error: unknown) => {
    logger.warn('CI status syncs not asked for', { error: (error as Error).message });
    return 0;
  });
  return { ...result, resentJobs, checkSyncs };
};
