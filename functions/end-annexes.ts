/**
 * The due-work queue's worker (SQS, ReportBatchItemFailures): ends the annexes a large tick's
 * sweep handed off, termination first, within its time budget; answers the batches left undone.
 */

import { logger } from "../shared/adapters/http/logger.ts";
import { queueHandler } from "../shared/adapters/http/queue-handler.ts";
import { enforcePorts, sweepTimeLeft } from "../shared/composition/enforcement.ts";
import { dueBatchSchema, endHandedOff } from "../shared/enforcement/handed-off.ts";
import { newTick } from "../shared/enforcement/sweep.ts";

export const handler = queueHandler(dueBatchSchema, async (messages, context) => {
  const startedAt = Date.now();
  // Never before the tick that found them due (in AWS the clocks agree; a test's may run ahead).
  const dueAt = Math.max(...messages.map((message) => message.body.dueAt));
  const tick = newTick({
    now: Math.max(Math.floor(startedAt / 1000), dueAt),
    timeLeft: sweepTimeLeft(startedAt, () => context.getRemainingTimeInMillis()),
  });
  const batches = messages.map(({ messageId, body }) => ({ messageId, batch: body }));
  const failed = await endHandedOff(enforcePorts, batches, tick);
  logger.info("handed-off annexes done", {
    ...tick.report,
    batches: messages.length,
    batchesFailed: failed.length,
    ms: Date.now() - startedAt,
  });
  return failed;
});
