/**
 * The enforcer (EventBridge `rate(1 minute)`; also directly invocable): one sweep of leases,
 * instance deadlines and orphans within its time budget, under the enforcer's lock; a tick with
 * more due annexes than one sweep ends goes to the `end-annexes` workers.
 */

import { eventHandler } from "../shared/adapters/http/event-handler.ts";
import { logger } from "../shared/adapters/http/logger.ts";
import { sweepTimeLeft } from "../shared/composition/enforcement.ts";
import { sweepPorts } from "../shared/composition/sweep.ts";
import { runLockedSweep } from "../shared/enforcement/sweep.ts";

export const handler = eventHandler(async (_event: unknown, context) => {
  const startedAt = Date.now();
  const now = Math.floor(startedAt / 1000);
  const report = await runLockedSweep(sweepPorts, {
    now,
    holder: context.awsRequestId,
    until: now + Math.ceil(context.getRemainingTimeInMillis() / 1000),
    timeLeft: sweepTimeLeft(startedAt, () => context.getRemainingTimeInMillis()),
  });
  const fields = { ...report, ms: Date.now() - startedAt };
  // A tick with nothing due logs at debug: locally the tick is seconds, in AWS one a minute.
  if (report.complete && report.itemsRead === 0 && !report.fullSweep)
    logger.debug("sweep done", fields);
  else logger.info("sweep done", fields);
  return report;
});
