/** The annex life cycle: requested → provisioning → running → stopping → ended. */

import type { Annex, AnnexState, EndReason } from "./annex.ts";
import { ConflictError, NotLiveError } from "./errors.ts";

const NEXT: Readonly<Record<AnnexState, readonly AnnexState[]>> = {
  requested: ["provisioning", "stopping", "ended"],
  provisioning: ["running", "stopping"],
  running: ["stopping"],
  stopping: ["ended"],
  ended: [],
};

/** Live annexes hold (or are about to hold) instances and may be extended or turned off. */
export function isLive(state: AnnexState): boolean {
  return state === "requested" || state === "provisioning" || state === "running";
}

/** Whether the life cycle allows moving from one state to another (with that end reason). */
export function canTransition(from: AnnexState, to: AnnexState, reason?: EndReason): boolean {
  if (!NEXT[from].includes(to)) return false;
  // Straight from requested to ended only when nothing could be launched.
  if (from === "requested" && to === "ended") return reason === "failed";
  return true;
}

/**
 * The annex moved to `to`. Stopping and ending need a reason (kept as `endReason`; ending
 * reuses the one given when stopping began). Throws a ConflictError for an illegal move,
 * a NotLiveError when the annex has already stopped or ended, a TypeError without a reason.
 */
export function transition(annex: Annex, to: AnnexState, reason?: EndReason): Annex {
  const endReason = to === "ended" ? (reason ?? annex.endReason) : reason;
  if (!canTransition(annex.state, to, endReason)) {
    const message = `annex "${annex.name}" cannot go from ${annex.state} to ${to}`;
    throw isLive(annex.state) ? new ConflictError(message) : new NotLiveError(message);
  }
  if (to === "stopping" || to === "ended") {
    if (endReason === undefined)
      throw new TypeError(`moving an annex to ${to} needs an end reason`);
    return { ...annex, state: to, endReason };
  }
  return { ...annex, state: to };
}
