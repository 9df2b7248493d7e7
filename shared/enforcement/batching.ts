/**
 * Batching for the lease sweep, which ends many annexes at once through `endAnnex` (one annex at
 * a time by design): one DescribeInstances for a page of annexes instead of one per annex, and
 * the concurrent workers' TerminateInstances calls coalesced into shared batches.
 */

import { ALIVE_STATES, FILTER_VALUES } from "../domain/ec2.ts";
import { TerminateRefusedError, ThrottledError } from "../domain/launch-errors.ts";
import { chunks } from "../domain/lists.ts";
import { ANNEX_TAG_FILTERS, ANNEX_TAG_KEYS } from "../domain/tags.ts";
import type { Ec2Instance } from "../ports/ec2.ts";
import type { EndPorts } from "../use-cases/annexes/ports.ts";
import type { EnforcePorts } from "./ports.ts";

type Terminate = (instanceIds: string[]) => Promise<number>;

interface Waiter {
  ids: string[];
  resolve(calls: number): void;
  reject(error: unknown): void;
}

/**
 * Coalesces TerminateInstances: a call waits until every worker running under `run` is waiting
 * too (or done), then one batch goes out for all of them (split to ≤ 1000 ids by the adapter).
 * Each caller returns only once its ids were sent; when the batch fails, each caller's ids are
 * sent alone (unless EC2 throttled the batch), so a caller gets only its own error.
 */
export class TerminateBatcher {
  private active = 0;
  private sending = 0;
  private queue: Waiter[] = [];

  constructor(private readonly send: Terminate) {}

  /** Runs one worker's job; its terminate calls join the batches. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    this.active += 1;
    try {
      return await job();
    } finally {
      this.active -= 1;
      this.flushIfAllWaiting();
    }
  }

  /** The batching stand-in for `Ec2Instances.terminate`. */
  readonly terminate: Terminate = (ids) =>
    new Promise<number>((resolve, reject) => {
      this.queue.push({ ids, resolve, reject });
      this.flushIfAllWaiting();
    });

  private flushIfAllWaiting(): void {
    if (this.queue.length === 0 || this.queue.length + this.sending < this.active) return;
    const batch = this.queue.splice(0);
    this.sending += batch.length;
    const settle = (waiter: Waiter, outcome: Promise<number>) =>
      outcome.then(
        (calls) => {
          this.sending -= 1;
          waiter.resolve(calls);
        },
        (error: unknown) => {
          this.sending -= 1;
          waiter.reject(error);
        },
      );
    const ids = [...new Set(batch.flatMap((waiter) => waiter.ids))];
    this.send(ids).then(
      (calls) => {
        for (const waiter of batch) void settle(waiter, Promise.resolve(calls));
      },
      (error: unknown) => {
        // One annex's instances failing (refused, or an EC2 error that keeps coming back) must
        // not hold the other annexes back: each goes alone. Throttling is nobody's in particular.
        const alone = batch.length > 1 && !(error instanceof ThrottledError);
        for (const waiter of batch)
          void settle(waiter, alone ? this.send(waiter.ids) : Promise.reject(error));
      },
    );
  }
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
 * The EC2 port `endAnnex` gets in the lease sweep: `findByAnnex` answered from the page's
 * prefetch (falling back to EC2 for any other annex), `terminate` through the batcher.
 */
export function batchedEc2(
  ec2: EndPorts["ec2"],
  prefetched: Map<string, Ec2Instance[]>,
  batcher: TerminateBatcher,
): EndPorts["ec2"] {
  return {
    findByAnnex: async (annexId) => prefetched.get(annexId) ?? ec2.findByAnnex(annexId),
    terminate: batcher.terminate,
  };
}
