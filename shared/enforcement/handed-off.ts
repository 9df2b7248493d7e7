/**
 * A worker's share of a tick (the `end-annexes` function, fed by the due-work queue): the batches
 * of annex ids the sweep handed off. Each annex is read afresh and ended if it is still due (its
 * lease over, not yet ended), termination first; a duplicated or late batch does no harm, since
 * the annex's state machine decides. A batch with an annex left undone is reported failed, so the
 * queue delivers it again (and after a few tries keeps it in the dead-letter queue); the sweep
 * finds its annexes due again meanwhile.
 */

import { z } from "zod";
import type { Annex } from "../domain/annex.ts";
import { isLeaseOver } from "../domain/lease.ts";
import { mapLimited } from "../domain/lists.ts";
import type { DueBatch } from "../ports/due-work.ts";
import { endDueAnnexes } from "./due-annexes.ts";
import { type EnforcePorts, SWEEP_CONCURRENCY, type Tick } from "./ports.ts";
import { recordAnnexFailure } from "./report.ts";

/** The body of one due-work message, as the sweep sends it (ports/due-work.ts). */
export const dueBatchSchema: z.ZodType<DueBatch> = z.object({
  annexIds: z
    .array(z.string().regex(/^[0-9A-Z]{26}$/))
    .min(1)
    .max(100),
  dueAt: z.number().int().nonnegative(),
});

/** One received message: its id (for the partial batch answer) and its batch. */
export interface HandedOffBatch {
  messageId: string;
  batch: DueBatch;
}

/** Ends the batches' annexes that are still due; returns the ids of the messages not done. */
export async function endHandedOff(
  ports: EnforcePorts,
  messages: readonly HandedOffBatch[],
  tick: Tick,
): Promise<string[]> {
  const ids = [...new Set(messages.flatMap((message) => message.batch.annexIds))];
  const left = new Set<string>();
  const read = await mapLimited(ids, SWEEP_CONCURRENCY, async (id) => {
    try {
      return await ports.annexes.getAnnex(id);
    } catch (error) {
      left.add(id);
      await recordAnnexFailure(ports, tick.report, "reading a due annex", error, id);
      return undefined;
    }
  });
  const due = read.filter(
    (annex): annex is Annex =>
      annex !== undefined && annex.state !== "ended" && isLeaseOver(annex.leaseExpiresAt, tick.now),
  );
  for (const id of await endDueAnnexes(ports, due, tick)) left.add(id);
  return messages
    .filter((message) => message.batch.annexIds.some((id) => left.has(id)))
    .map((message) => message.messageId);
}
