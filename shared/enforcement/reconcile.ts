/**
 * Reconciliation: instance records follow what EC2 says (an instance gone in EC2 is closed), and
 * an annex whose last instance is gone ends with the reason that fits. Shared by the enforcer's
 * sweeps and the EC2 event handler.
 */

import type { Annex, AnnexInstance, EndReason } from "../domain/annex.ts";
import { isBudgetSpent } from "../domain/budget.ts";
import { isUp } from "../domain/ec2.ts";
import { pendingReplacement } from "../domain/interruption.ts";
import { isLeaseOver, type TerminationReason } from "../domain/lease.ts";
import { mapLimited } from "../domain/lists.ts";
import { endAnnex } from "../use-cases/annexes/end-annex.ts";
import { retryOnStale } from "../use-cases/retry-on-stale.ts";
import { type EnforcePorts, SWEEP_CONCURRENCY } from "./ports.ts";

/** The audit-trail entry type for each reason the enforcer terminates an instance. */
export const TERMINATION_EVENTS: Readonly<
  Record<TerminationReason, { type: string; why: string }>
> = {
  idle: { type: "idle-terminated", why: "idle past the idle timeout" },
  boot: { type: "boot-timeout", why: "not bootstrapped within the boot grace" },
  expired: { type: "lease-terminated", why: "the lease is over" },
  budget: { type: "budget-terminated", why: "the budget is spent" },
  orphan: { type: "orphan-reaped", why: "its annex is not live" },
};

/**
 * Applies `change` to an instance record and saves it, re-reading and re-applying on a concurrent
 * write. `change` answers undefined when there is nothing to do. Returns the saved record, or
 * undefined when nothing was written (no change, or no record).
 */
export function updateInstance(
  ports: Pick<EnforcePorts, "instances">,
  record: AnnexInstance,
  change: (current: AnnexInstance) => AnnexInstance | undefined,
): Promise<AnnexInstance | undefined> {
  return retryOnStale<AnnexInstance | undefined, AnnexInstance | undefined>(
    record,
    () => ports.instances.getInstance(record.annexId, record.instanceId),
    async (current) => {
      const next = current && change(current);
      return next && ports.instances.saveInstance(next);
    },
  );
}

/** The annexes with these ids (each read once, consistently); undefined for one that does not exist. */
export async function annexesById(
  ports: Pick<EnforcePorts, "annexes">,
  annexIds: readonly string[],
): Promise<Map<string, Annex | undefined>> {
  const ids = [...new Set(annexIds)];
  return new Map(
    await mapLimited(
      ids,
      SWEEP_CONCURRENCY,
      async (id) => [id, await ports.annexes.getAnnex(id)] as const,
    ),
  );
}

/**
 * Closes an instance record: EC2 state as given, `endedAt` (it leaves the deadline index).
 * Returns the closed record when this call closed it, undefined when it was already closed.
 */
export function closeInstance(
  ports: Pick<EnforcePorts, "instances">,
  record: AnnexInstance,
  ec2State: string,
  now: number,
): Promise<AnnexInstance | undefined> {
  return updateInstance(ports, record, (current) =>
    current.endedAt === undefined ? { ...current, ec2State, endedAt: now } : undefined,
  );
}

/** Appends one entry to an annex's audit trail. */
export function audit(
  ports: Pick<EnforcePorts, "instances">,
  annexId: string,
  now: number,
  type: string,
  message: string,
  instanceIds?: string[],
): Promise<void> {
  return ports.instances.appendEvent({
    annexId,
    at: now,
    type,
    message,
    ...(instanceIds && instanceIds.length > 0 ? { instanceIds } : {}),
  });
}

/**
 * Why an annex whose instances are all gone ends: its lease is over (`expired`); its budget is
 * spent (`budget`: the instances' own timers end them at the budget deadline); an instance went
 * idle (`idle` — the instance's own idle shutdown or the enforcer's); otherwise `failed` (never
 * bootstrapped, spot reclaimed, or terminated outside cloud-annex).
 */
export function endReasonWhenEmpty(
  annex: Pick<Annex, "leaseExpiresAt" | "cost">,
  instances: readonly AnnexInstance[],
  now: number,
): EndReason {
  if (isLeaseOver(annex.leaseExpiresAt, now)) return "expired";
  if (isBudgetSpent(annex, now)) return "budget";
  const wentIdle = instances.some(
    (instance) =>
      instance.bootstrappedAt !== undefined &&
      instance.interruptionNoticeAt === undefined &&
      (instance.activity !== "busy" ||
        (instance.idleDeadline !== undefined &&
          (instance.endedAt ?? now) >= instance.idleDeadline)),
  );
  return wentIdle ? "idle" : "failed";
}

/** Whether an annex is past its launch and may end for want of instances. */
const launched = (annex: Annex) => annex.state === "provisioning" || annex.state === "running";

/** Whether EC2 still runs (or boots) an instance tagged for the annex. */
async function fleetStillRuns(ports: EnforcePorts, annexId: string): Promise<boolean> {
  const tagged = await ports.ec2.findByAnnex(annexId);
  return tagged.some((instance) => isUp(instance.state));
}

/**
 * Ends the annex when it has launched and none of its recorded instances is left (for a spot
 * fleet, none running in EC2 either; none waiting for its replacement). Returns the end reason when this call ended it. An annex
 * still `requested` (launch in flight), or one with no instance records yet, is left alone.
 */
export async function endIfNoneLeft(
  ports: EnforcePorts,
  annexId: string,
  now: number,
): Promise<EndReason | undefined> {
  const annex = await ports.annexes.getAnnex(annexId);
  if (annex === undefined || !launched(annex)) return undefined;
  const records = await ports.instances.listInstancesConsistent(annexId);
  const waiting = (record: AnnexInstance) =>
    record.endedAt === undefined || pendingReplacement(record) !== undefined;
  if (records.length === 0 || records.some(waiting)) return undefined;
  // A fleet's instances are recorded only as they bootstrap: EC2 may still run some we never saw.
  if (annex.fleetId !== undefined && (await fleetStillRuns(ports, annexId))) return undefined;
  const reason = endReasonWhenEmpty(annex, records, now);
  if (reason === "failed") {
    await audit(ports, annexId, now, "no-instances", "every instance is gone; the annex ends");
  }
  const result = await endAnnex(ports, annex, reason, now, launched);
  return result.annex.state === "ended" && result.annex.endReason === reason ? reason : undefined;
}
