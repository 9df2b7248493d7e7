/** Instance lifecycle: pending → running → shutting-down → terminated, plus stop and spot interruption. */

import type { Ec2Context } from "./context.ts";
import type { InstanceRecord, InstanceStateName } from "./state.ts";

/** EC2's numeric state codes. */
export const stateCodes: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

/** States in which the instance is gone or going. */
export const isEnding = (instance: InstanceRecord): boolean =>
  instance.state === "shutting-down" || instance.state === "terminated";

/** `User initiated (2026-01-01 00:00:00 GMT)`, EC2's state transition reason format. */
export const transitionReason = (what: string, at: number): string =>
  `${what} (${new Date(at)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " GMT")})`;

const key = (id: string) => `instance:${id}`;

/** Moves an instance to `state` at time `at`, schedules what follows and notifies listeners. */
export function setState(
  ctx: Ec2Context,
  instance: InstanceRecord,
  state: InstanceStateName,
  at: number,
): void {
  instance.state = state;
  instance.nextTransitionAt = transitionEnd(ctx, state, at);
  if (state === "terminated") {
    instance.purgeAt = at + ctx.delays.terminatedVisibleMs;
    ctx.scheduler.schedule(instance.purgeAt, key(instance.id));
  }
  if (instance.nextTransitionAt !== undefined)
    ctx.scheduler.schedule(instance.nextTransitionAt, key(instance.id));
  ctx.markDirty();
  for (const listener of ctx.hooks.stateChanged) listener(instance, at);
}

function transitionEnd(ctx: Ec2Context, state: InstanceStateName, at: number): number | undefined {
  if (state === "pending") return at + ctx.delays.pendingMs;
  if (state === "shutting-down" || state === "stopping") return at + ctx.delays.shuttingDownMs;
  return undefined;
}

/** Starts terminating an instance (no-op when it is already going). */
export function terminate(
  ctx: Ec2Context,
  instance: InstanceRecord,
  at: number,
  reason: { code: string; message: string; transition: string },
): void {
  if (isEnding(instance)) return;
  instance.stateReason = { code: reason.code, message: reason.message };
  instance.stateTransitionReason = transitionReason(reason.transition, at);
  setState(ctx, instance, "shutting-down", at);
}

/** The reason EC2 gives an instance terminated by an API call (TerminateInstances, a fleet's cancel). */
export const USER_INITIATED = {
  code: "Client.UserInitiatedShutdown",
  message: "Client.UserInitiatedShutdown: User initiated shutdown",
  transition: "User initiated",
} as const;

/** A shutdown from inside the instance: terminates or stops it per its shutdown behaviour. */
export function powerOff(ctx: Ec2Context, instance: InstanceRecord, at: number): void {
  if (instance.state !== "running" && instance.state !== "pending") return;
  const reason = {
    code: "Client.InstanceInitiatedShutdown",
    message: "Client.InstanceInitiatedShutdown: Instance initiated shutdown",
    transition: "User initiated",
  };
  if (instance.shutdownBehavior === "terminate") {
    terminate(ctx, instance, at, reason);
    return;
  }
  instance.stateReason = { code: reason.code, message: reason.message };
  instance.stateTransitionReason = transitionReason(reason.transition, at);
  setState(ctx, instance, "stopping", at);
}

/** Issues a spot interruption notice; the instance is terminated `warningMs` later. */
export function interrupt(
  ctx: Ec2Context,
  instance: InstanceRecord,
  at: number,
  warningMs: number,
): void {
  instance.interruption = { noticeAt: at, terminateAt: at + warningMs };
  ctx.scheduler.schedule(instance.interruption.terminateAt, key(instance.id));
  ctx.markDirty();
  for (const listener of ctx.hooks.interruptionWarning) listener(instance, at);
}

/** Records EC2's rebalance recommendation for a spot instance (elevated risk of interruption). */
export function recommendRebalance(ctx: Ec2Context, instance: InstanceRecord, at: number): void {
  instance.rebalanceAt = at;
  ctx.markDirty();
  for (const listener of ctx.hooks.rebalanceRecommendation) listener(instance, at);
}

/** The scheduler's job for `instance:<id>`: applies whatever is due at `at`. */
export function stepInstance(ctx: Ec2Context, id: string, at: number): void {
  const instance = ctx.state.instances[id];
  if (!instance) return;
  if (instance.nextTransitionAt !== undefined && instance.nextTransitionAt <= at)
    finishTransition(ctx, instance, instance.nextTransitionAt);
  const interruption = instance.interruption;
  if (interruption && interruption.terminateAt <= at && !isEnding(instance))
    terminate(ctx, instance, interruption.terminateAt, {
      code: "Server.SpotInstanceTermination",
      message: "Server.SpotInstanceTermination: Spot instance termination",
      transition: "Service initiated",
    });
  if (instance.purgeAt !== undefined && instance.purgeAt <= at) {
    delete ctx.state.instances[id];
    ctx.markDirty();
  }
}

function finishTransition(ctx: Ec2Context, instance: InstanceRecord, at: number): void {
  const next: Partial<Record<InstanceStateName, InstanceStateName>> = {
    pending: "running",
    "shutting-down": "terminated",
    stopping: "stopped",
  };
  const state = next[instance.state];
  if (state) setState(ctx, instance, state, at);
}

/** Re-creates the scheduler's jobs from saved state (after loading it from disk). */
export function rescheduleAll(ctx: Ec2Context): void {
  for (const instance of Object.values(ctx.state.instances)) {
    const times = [
      instance.nextTransitionAt,
      instance.interruption?.terminateAt,
      instance.purgeAt,
    ].filter((t): t is number => t !== undefined);
    for (const at of times) ctx.scheduler.schedule(at, key(instance.id));
  }
}
