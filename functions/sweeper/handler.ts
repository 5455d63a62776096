import { logger, sweepExpiredLeases } from '@aiworker/core';


/** Scheduled (EventBridge, see infra/functions.ts): agents silent past their lease go offline, their in-progress tasks back to the backlog. */
export const handler = async () => {
  const result = await sweepExpiredLeases();
  if (result.expiredAgents.length) logger.info('Leases expired', { ...result });
  return result;
};
