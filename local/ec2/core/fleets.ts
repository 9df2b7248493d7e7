/** EC2 Fleet behaviour over time: ValidUntil expiry and finishing deletions. */

import type { Ec2Context } from "./context.ts";
import { isEnding, terminate, USER_INITIATED } from "./lifecycle.ts";
import type { FleetRecord, InstanceRecord } from "./state.ts";

const key = (id: string) => `fleet:${id}`;

/** The fleet's instances that are neither shutting down nor terminated. */
export const liveFleetInstances = (ctx: Ec2Context, fleet: FleetRecord): InstanceRecord[] =>
  fleet.instanceIds.flatMap((id) => {
    const instance = ctx.state.instances[id];
    return instance && !isEnding(instance) ? [instance] : [];
  });

/** Deletes a fleet; with `terminateInstances` its live instances are terminated. */
export function deleteFleet(
  ctx: Ec2Context,
  fleet: FleetRecord,
  terminateInstances: boolean,
  at: number,
): void {
  const instances = liveFleetInstances(ctx, fleet);
  if (terminateInstances)
    for (const instance of instances) terminate(ctx, instance, at, USER_INITIATED);
  fleet.state =
    instances.length === 0
      ? "deleted"
      : terminateInstances
        ? "deleted_terminating"
        : "deleted_running";
  ctx.markDirty();
}

/** The scheduler's job for `fleet:<id>`: ValidUntil. */
export function stepFleet(ctx: Ec2Context, id: string, at: number): void {
  const fleet = ctx.state.fleets[id];
  if (fleet?.state !== "active" || fleet.validUntil === undefined || fleet.validUntil > at) return;
  deleteFleet(ctx, fleet, fleet.terminateOnExpiry, fleet.validUntil);
}

/** Marks a deleting fleet `deleted` once its last instance is terminated. */
export function onFleetInstance(ctx: Ec2Context, instance: InstanceRecord): void {
  const fleet = instance.fleetId ? ctx.state.fleets[instance.fleetId] : undefined;
  if (!fleet || instance.state !== "terminated") return;
  if (fleet.state !== "deleted_terminating" && fleet.state !== "deleted_running") return;
  const allGone = fleet.instanceIds.every((id) => {
    const member = ctx.state.instances[id];
    return !member || member.state === "terminated";
  });
  if (allGone) fleet.state = "deleted";
}

/** Schedules a fleet's expiry (also after loading saved state). */
export function scheduleFleet(ctx: Ec2Context, fleet: FleetRecord): void {
  if (fleet.validUntil !== undefined && fleet.state === "active")
    ctx.scheduler.schedule(fleet.validUntil, key(fleet.id));
}
