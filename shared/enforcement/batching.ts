/**
 * Terminations in batches: the lease sweep's (one DescribeInstances for a page of annexes, then
 * one TerminateInstances per ≤ 1000 ids across all of them, throttle-aware, each annex's failure
 * its own), and the halving that isolates an id EC2 refuses.
 */

import { ALIVE_STATES, FILTER_VALUES } from "../domain/ec2.ts";
import { TerminateRefusedError, ThrottledError } from "../domain/launch-errors.ts";
import { chunks } from "../domain/lists.ts";
import { ANNEX_TAG_FILTERS, ANNEX_TAG_KEYS } from "../domain/tags.ts";
import type { Ec2Instance } from "../ports/ec2.ts";
import type { EndPorts } from "../use-cases/annexes/ports.ts";
import type { EnforcePorts, TimeLeft } from "./ports.ts";

type Terminate = (instanceIds: string[]) => Promise<number>;

/** Waits `ms` milliseconds (the sweeps' backoff when EC2 throttles a termination). */
export type Pause = (ms: number) => Promise<void>;

/** Backoff before each retry of a throttled termination, while the budget lasts. */
const THROTTLE_BACKOFF_MS = [1000, 2000, 4000];

/** Runs `call`, retrying it after a pause while EC2 throttles it and the budget allows. */
async function unthrottled<T>(call: () => Promise<T>, timeLeft: TimeLeft, pause: Pause) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const wait = THROTTLE_BACKOFF_MS[attempt];
      if (!(error instanceof ThrottledError) || wait === undefined || timeLeft() <= wait)
        throw error;
      await pause(wait);
    }
  }
}

/**
 * Terminates the instances of many annexes together: one call per ≤ 1000 ids (the adapter splits),
 * retried with backoff while EC2 throttles it. When it fails otherwise, each annex's ids are sent
 * alone, so one annex's refusal (or an error that keeps coming back for its instances) stays its
 * own. Returns each annex's error; the others' instances are terminated.
 */
export async function terminateAcross(
  terminate: Terminate,
  idsByAnnex: ReadonlyMap<string, string[]>,
  timeLeft: TimeLeft,
  pause: Pause,
): Promise<Map<string, unknown>> {
  const failed = new Map<string, unknown>();
  const all = [...new Set([...idsByAnnex.values()].flat())];
  if (all.length === 0) return failed;
  try {
    await unthrottled(() => terminate(all), timeLeft, pause);
    return failed;
  } catch (error) {
    if (error instanceof ThrottledError || idsByAnnex.size === 1) {
      for (const annexId of idsByAnnex.keys()) failed.set(annexId, error);
      return failed;
    }
  }
  for (const [annexId, ids] of idsByAnnex) {
    if (ids.length === 0) continue;
    await unthrottled(() => terminate(ids), timeLeft, pause).catch((error: unknown) =>
      failed.set(annexId, error),
    );
  }
  return failed;
}

/**
 * Terminates `ids`; when EC2 refuses the batch (not throttling, not a server error), halves it
 * until the refused ids stand alone, so one bad id never holds the others back. Returns the ids
 * EC2 refused; throttling and server errors are thrown (the whole batch waits for the next tick).
 */
export async function terminateIsolating(terminate: Terminate, ids: string[]): Promise<string[]> {
  try {
    if (ids.length > 0) await terminate(ids);
    return [];
  } catch (error) {
    if (!(error instanceof TerminateRefusedError)) throw error;
    if (ids.length === 1) return ids;
  }
  const half = Math.ceil(ids.length / 2);
  const first = await terminateIsolating(terminate, ids.slice(0, half));
  return [...first, ...(await terminateIsolating(terminate, ids.slice(half)))];
}

/**
 * The instances of many annexes, read with one DescribeInstances per 200 annex ids; what
 * `endAnnex` needs of each (`findByAnnex` keeps only the live states anyway).
 */
export async function instancesOfAnnexes(
  ec2: Pick<EnforcePorts["ec2"], "findTagged">,
  annexIds: readonly string[],
): Promise<Map<string, Ec2Instance[]>> {
  const byAnnex = new Map<string, Ec2Instance[]>(annexIds.map((id) => [id, []]));
  for (const ids of chunks(annexIds, FILTER_VALUES)) {
    const found = await ec2.findTagged(ALIVE_STATES, [{ Name: ANNEX_TAG_FILTERS.id, Values: ids }]);
    for (const instance of found)
      byAnnex.get(instance.tags[ANNEX_TAG_KEYS.id] ?? "")?.push(instance);
  }
  return byAnnex;
}

/**
 * The EC2 port `endAnnex` gets after the batch's instances were terminated: `findByAnnex` answered
 * from the page's prefetch (falling back to EC2 for an annex it lacks), `terminate` skipping the
 * ids already terminated, so nothing is sent twice and `endAnnex` still reports what it ended.
 */
export function afterTermination(
  ec2: EndPorts["ec2"],
  prefetched: ReadonlyMap<string, Ec2Instance[]>,
  terminated: ReadonlySet<string>,
): EndPorts["ec2"] {
  return {
    findByAnnex: async (annexId) => prefetched.get(annexId) ?? ec2.findByAnnex(annexId),
    terminate: async (ids) => {
      const rest = ids.filter((id) => !terminated.has(id));
      return rest.length > 0 ? ec2.terminate(rest) : 0;
    },
  };
}
