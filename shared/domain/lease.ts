/** Lease, idle and boot arithmetic. Times are epoch seconds; `now` is always a parameter. */

import type { Annex, AnnexInstance } from "./annex.ts";
import { effectiveEnd, isBudgetSpent } from "./budget.ts";
import { pendingReplacement } from "./interruption.ts";
import { isLive } from "./state-machine.ts";

/** condor_annex's default lease: 50 minutes. */
export const DEFAULT_DURATION_HOURS = 0.83;
/** condor_annex's default idle timeout: 15 minutes. */
export const DEFAULT_IDLE_HOURS = 0.25;
/** How long an instance may take to bootstrap before it counts as stuck. */
export const DEFAULT_BOOT_GRACE_SECONDS = 900;

/**
 * The earliest time the enforcer must look at an instance, or undefined when nothing is pending:
 * its boot or idle deadline while it runs, and a replacement due after an interruption.
 */
export function nextDeadline(instance: AnnexInstance): number | undefined {
  const replacement = pendingReplacement(instance);
  const own =
    instance.endedAt !== undefined
      ? undefined
      : instance.bootstrappedAt === undefined
        ? instance.bootDeadline
        : instance.idleDeadline;
  if (own === undefined || replacement === undefined) return own ?? replacement;
  return Math.min(own, replacement);
}

/** Whole seconds in a number of hours (at least one). */
export function hoursToSeconds(hours: number): number {
  return Math.max(1, Math.round(hours * 3600));
}

/** When a lease of `durationHours` taken (or reset) at `now` ends. */
export function leaseExpiry(now: number, durationHours: number): number {
  return now + hoursToSeconds(durationHours);
}

/** Seconds left on a lease; zero once it is over. */
export function leaseRemaining(leaseExpiresAt: number, now: number): number {
  return Math.max(0, leaseExpiresAt - now);
}

/** A lease is over from its expiry second on. */
export function isLeaseOver(leaseExpiresAt: number, now: number): boolean {
  return now >= leaseExpiresAt;
}

/** When an instance that has not bootstrapped counts as stuck. */
export function bootDeadline(launchedAt: number, bootGraceSeconds: number): number {
  return launchedAt + bootGraceSeconds;
}

/** The idle deadline an instance gets when it bootstraps: idle counts from then. */
export function idleDeadlineAtBootstrap(
  bootstrappedAt: number,
  idleTimeoutSeconds: number,
): number {
  return bootstrappedAt + idleTimeoutSeconds;
}

/** One heartbeat: what the instance reported, and when. */
export interface HeartbeatReport {
  state: "idle" | "busy";
  at: number;
}

/**
 * The instance after a heartbeat. The idle deadline is the last busy report (or, before the
 * first, the bootstrap) plus the idle timeout, so a busy report resets it and an idle one keeps
 * it. A report older than the last one seen changes nothing but the busy time.
 */
export function applyHeartbeat(
  instance: AnnexInstance,
  report: HeartbeatReport,
  idleTimeoutSeconds: number,
): AnnexInstance {
  const latest = instance.lastHeartbeatAt === undefined || report.at >= instance.lastHeartbeatAt;
  const lastBusyAt =
    report.state === "busy"
      ? Math.max(report.at, instance.lastBusyAt ?? report.at)
      : instance.lastBusyAt;
  const idleFrom = lastBusyAt ?? instance.bootstrappedAt ?? instance.launchedAt;
  return {
    ...instance,
    lastHeartbeatAt: latest ? report.at : instance.lastHeartbeatAt,
    activity: latest ? report.state : instance.activity,
    ...(lastBusyAt === undefined ? {} : { lastBusyAt }),
    idleDeadline: idleFrom + idleTimeoutSeconds,
  };
}

/** What a heartbeat answer tells the instance to do. */
export type HeartbeatInstruction = "continue" | "drain" | "stop";

/**
 * The instruction for an instance (as updated by `applyHeartbeat`): stop when the annex is no
 * longer live, its effective end (lease end or budget deadline) has come, the instance has ended or is idle past its deadline; drain
 * after a spot interruption notice; otherwise continue.
 */
export function heartbeatInstruction(
  annex: Pick<Annex, "state" | "leaseExpiresAt" | "cost">,
  instance: AnnexInstance,
  now: number,
): HeartbeatInstruction {
  if (!isLive(annex.state) || isLeaseOver(effectiveEnd(annex), now)) return "stop";
  if (instance.endedAt !== undefined) return "stop";
  if (instance.idleDeadline !== undefined && now >= instance.idleDeadline) return "stop";
  if (instance.interruptionNoticeAt !== undefined) return "drain";
  return "continue";
}

/** Why the enforcer must terminate an instance now. */
export type TerminationReason = "orphan" | "expired" | "budget" | "boot" | "idle";

/**
 * Why an instance is due for termination at `now`, or undefined: its annex is missing or not
 * live (orphan), the lease is over, the annex's budget is spent, it never bootstrapped within the
 * grace, or it is idle past its deadline. An instance already ended is never due.
 */
export function terminationReason(
  annex: Pick<Annex, "state" | "leaseExpiresAt" | "bootGraceSeconds" | "cost"> | undefined,
  instance: AnnexInstance,
  now: number,
): TerminationReason | undefined {
  if (instance.endedAt !== undefined) return undefined;
  if (annex === undefined || !isLive(annex.state)) return "orphan";
  if (isLeaseOver(annex.leaseExpiresAt, now)) return "expired";
  if (isBudgetSpent(annex, now)) return "budget";
  if (instance.bootstrappedAt === undefined) {
    const deadline =
      instance.bootDeadline ?? bootDeadline(instance.launchedAt, annex.bootGraceSeconds);
    if (now >= deadline) return "boot";
  }
  if (instance.idleDeadline !== undefined && now >= instance.idleDeadline) return "idle";
  return undefined;
}
