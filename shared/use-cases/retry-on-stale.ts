/** Read-change-save under optimistic locking: the one retry loop of the core, and its bound. */

import type { Annex, AnnexInstance } from "../domain/annex.ts";
import { StaleWriteError } from "../domain/stale.ts";
import type { AnnexRepository, InstanceRepository } from "../ports/repositories.ts";

/** Attempts of one read-change-save before a lost race is the caller's answer. */
export const SAVE_ATTEMPTS = 5;

/**
 * Runs `attempt` on `current`. When its save loses a race (StaleWriteError), `reread` fetches a
 * fresh copy and `attempt` decides again on it, at most SAVE_ATTEMPTS times in all; after that
 * the StaleWriteError is thrown. `attempt` may return without saving (nothing left to do).
 */
export async function retryOnStale<T, R>(
  current: T,
  reread: (stale: T) => Promise<T>,
  attempt: (current: T) => Promise<R>,
): Promise<R> {
  let copy = current;
  for (let tries = 1; ; tries++) {
    try {
      return await attempt(copy);
    } catch (error) {
      if (!(error instanceof StaleWriteError) || tries >= SAVE_ATTEMPTS) throw error;
      copy = await reread(copy);
    }
  }
}

/** The `reread` of an annex: its stored copy (the stale one if it is gone). */
export const freshAnnex =
  (annexes: Pick<AnnexRepository, "getAnnex">) =>
  async (stale: Annex): Promise<Annex> =>
    (await annexes.getAnnex(stale.id)) ?? stale;

/** The `reread` of an instance record: its stored copy (the stale one if it is gone). */
export const freshInstance =
  (instances: Pick<InstanceRepository, "getInstance">) =>
  async (stale: AnnexInstance): Promise<AnnexInstance> =>
    (await instances.getInstance(stale.annexId, stale.instanceId)) ?? stale;
