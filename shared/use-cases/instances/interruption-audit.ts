/** The audit entry of a spot warning, wherever it was learnt (EventBridge, or the instance's metadata). */

import type { AnnexInstance, InterruptionKind } from "../../domain/annex.ts";
import { pendingReplacement } from "../../domain/interruption.ts";
import type { InstanceRepository } from "../../ports/repositories.ts";

const WHAT: Record<InterruptionKind, string> = {
  "spot-interruption": "spot interruption warning",
  "rebalance-recommendation": "rebalance recommendation",
};

/** Audits that `record` was warned (`interruption-notice`): it drains, and is replaced if due. */
export async function auditInterruption(
  ports: { instances: Pick<InstanceRepository, "appendEvent"> },
  record: AnnexInstance,
  kind: InterruptionKind,
  source: string,
  now: number,
): Promise<void> {
  const replacing = pendingReplacement(record) !== undefined ? "; a replacement is due" : "";
  await ports.instances.appendEvent({
    annexId: record.annexId,
    at: now,
    type: "interruption-notice",
    message: `${WHAT[kind]} for ${record.instanceId} (from ${source}): draining${replacing}`,
    instanceIds: [record.instanceId],
  });
}
