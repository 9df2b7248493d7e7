/**
 * What the product relies on in EC2: which instance states count as up, stopped or gone, and the
 * API's limits. The one home of these rules for the service, the CLI and the tests.
 */

/** Booting or running: billing, and able to join the pool. */
export const UP_STATES = ["pending", "running"] as const;
/** Stopping or stopped: not working, but able to run again (so still to be terminated). */
export const STOPPED_STATES = ["stopping", "stopped"] as const;
/** Gone or going for good. */
export const GONE_STATES = ["shutting-down", "terminated"] as const;
/** Every state in which an instance still runs or may run again: what ending an annex terminates. */
export const ALIVE_STATES = [...UP_STATES, ...STOPPED_STATES] as const;
/** Every state EC2 reports for an instance. */
export const EC2_STATES = [...ALIVE_STATES, ...GONE_STATES] as const;

const up: ReadonlySet<string> = new Set(UP_STATES);
const alive: ReadonlySet<string> = new Set(ALIVE_STATES);
const gone: ReadonlySet<string> = new Set(GONE_STATES);

/** Whether an instance in `state` is booting or running. */
export const isUp = (state: string): boolean => up.has(state);
/** Whether an instance in `state` runs or may run again. */
export const isAlive = (state: string): boolean => alive.has(state);
/** Whether an instance in `state` is gone or going for good. */
export const isGone = (state: string): boolean => gone.has(state);

/** Most values one DescribeInstances filter may carry. */
export const FILTER_VALUES = 200;
/** Most instance ids one TerminateInstances or CreateTags call may carry. */
export const IDS_PER_CALL = 1000;

const stoppedOrGone: ReadonlySet<string> = new Set([...STOPPED_STATES, ...GONE_STATES]);
/** Whether an instance in `state` is not working: stopping, stopped or gone. */
export const isStoppedOrGone = (state: string): boolean => stoppedOrGone.has(state);

/** Where an instance runs and on which market, as its record keeps them (EC2 says spot, or else on-demand). */
export function placementOf(instance: {
  availabilityZone?: string | undefined;
  market?: "spot" | "on-demand" | undefined;
}): { availabilityZone?: string; market: "spot" | "on-demand" } {
  return {
    ...(instance.availabilityZone ? { availabilityZone: instance.availabilityZone } : {}),
    market: instance.market ?? "on-demand",
  };
}
