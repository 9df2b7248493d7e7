/**
 * Spot interruptions: EC2's two-minute warning and its rebalance recommendation, learnt from
 * EventBridge or from the instance's own metadata. Either makes the instance drain (its heartbeat
 * answer says `drain`) and, when the annex asked for it, due for a replacement.
 */

import type { Annex, AnnexInstance, InterruptionKind } from "./annex.ts";
import { isLive } from "./state-machine.ts";

/** The warnings in order of seriousness: a recommendation may be followed by the interruption. */
const SERIOUSNESS: Record<InterruptionKind, number> = {
  "rebalance-recommendation": 1,
  "spot-interruption": 2,
};

/** Whether the annex replaces this instance when it is interrupted (fleet annexes that asked, spot only). */
export function replacementWanted(
  annex: Pick<Annex, "fleet"> | undefined,
  instance: Pick<AnnexInstance, "market">,
): boolean {
  return annex?.fleet?.replaceInterrupted === true && instance.market === "spot";
}

/**
 * The instance with the warning recorded at `now`: the first warning's time, the most serious
 * kind, and a replacement due when wanted. Undefined when it changes nothing (already recorded,
 * or the instance has ended).
 */
export function withInterruption(
  instance: AnnexInstance,
  kind: InterruptionKind,
  annex: Pick<Annex, "fleet"> | undefined,
  now: number,
): AnnexInstance | undefined {
  if (instance.endedAt !== undefined) return undefined;
  const known =
    instance.interruptionKind ?? (instance.interruptionNoticeAt ? "spot-interruption" : undefined);
  const worse = known === undefined || SERIOUSNESS[kind] > SERIOUSNESS[known];
  const replace = replacementWanted(annex, instance) && instance.replacement === undefined;
  if (!worse && !replace) return undefined;
  return {
    ...instance,
    interruptionNoticeAt: instance.interruptionNoticeAt ?? now,
    interruptionKind: worse ? kind : known,
    ...(replace ? { replacement: { dueAt: now } } : {}),
  };
}

/** When a replacement is due and not yet done (the enforcer's deadline index keeps it until then). */
export function pendingReplacement(
  instance: Pick<AnnexInstance, "replacement">,
): number | undefined {
  const r = instance.replacement;
  return r !== undefined && r.doneAt === undefined ? r.dueAt : undefined;
}

/**
 * Why a replacement may not launch at `now`, or undefined when it may: the annex must be live
 * and more than its boot grace must be left on the lease (a replacement never outlives it).
 */
export function replacementRefusal(
  annex: Pick<Annex, "state" | "leaseExpiresAt" | "bootGraceSeconds" | "fleet"> | undefined,
  now: number,
): string | undefined {
  if (annex === undefined || !isLive(annex.state) || annex.state === "stopping")
    return "the annex is no longer live";
  if (annex.fleet === undefined) return "only fleet annexes replace interrupted instances";
  const left = annex.leaseExpiresAt - now;
  if (left <= annex.bootGraceSeconds)
    return `${Math.max(0, left)} s are left on the lease, no more than the boot grace (${annex.bootGraceSeconds} s)`;
  return undefined;
}
