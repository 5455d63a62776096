import { logger, resendStalledJobs, scheduleCheckSyncs, sweepExpiredLeases } from '@aiworker/core';

/**
 * Scheduled (EventBridge, see infra/functions.ts): agents silent past their lease go offline, their
 * in-progress tasks back to the backlog; and no job waits forever: queued jobs whose message may be lost
 * and running jobs whose worker died (lease ended) are sent to the queue again. The three parts touch
 * different items and run side by side; one that fails does not stop the others (the sweep still fails,
 * so the schedule's error shows).
 */
export const handler = async () => {
  const [leases, resent, syncs] = await Promise.allSettled([
    sweepExpiredLeases(),
    resendStalledJobs(),
    // CI statuses of tasks in review, read from Gitea (the path that needs no status webhook): docs/ci.md.
    scheduleCheckSyncs(),
  ]);
  if (leases.status === 'fulfilled' && leases.value.expiredAgents.length) logger.info('Leases expired', { ...leases.value });
  if (resent.status === 'fulfilled' && resent.value) logger.info('Stalled jobs sent to the queue again', { resentJobs: resent.value });
  if (syncs.status === 'rejected') logger.warn('CI status syncs not asked for', { error: (syncs.reason as Error).message });
  if (leases.status === 'rejected') throw leases.reason;
  if (resent.status === 'rejected') throw resent.reason;
  return { ...leases.value, resentJobs: resent.value, checkSyncs: syncs.status === 'fulfilled' ? syncs.value : 0 };
};
