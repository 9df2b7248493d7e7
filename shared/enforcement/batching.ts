/**
 * Batching for the lease sweep, which ends many annexes at once through `endAnnex` (one annex at
 * a time by design): one DescribeInstances for a page of annexes instead of one per annex, and
 * the concurrent workers' TerminateInstances calls coalesced into shared batches.
 */

import type { Ec2Instance } from "../adapters/aws/ec2-instances.ts";
import { chunks, type EnforcePorts } from "./ports.ts";
import { ALIVE_STATES } from "./reconcile.ts";

type Terminate = (instanceIds: string[]) => Promise<number>;

interface Waiter {
  ids: string[];
  resolve(calls: number): void;
  reject(error: unknown): void;
}

/**
 * Coalesces TerminateInstances: a call waits until every worker running under `run` is waiting
 * too (or done), then one batch goes out for all of them (split to ≤ 1000 ids by the adapter).
 * Each caller returns only once its ids were sent, and gets the batch's error if it failed.
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
        // EC2 refusing one instance must not hold the other annexes back: each goes alone.
        const alone = batch.length > 1 && isRefusal(error);
        for (const waiter of batch)
          void settle(waiter, alone ? this.send(waiter.ids) : Promise.reject(error));
      },
    );
  }
}

const THROTTLING = new Set(["RequestLimitExceeded", "Throttling", "ThrottlingException"]);

/** EC2 refused the request itself (a client fault, not throttling): a part of it may still pass. */
export function isRefusal(error: unknown): boolean {
  const { $fault, name } = error as { $fault?: string; name?: string };
  return $fault === "client" && !THROTTLING.has(name ?? "");
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
    if (!isRefusal(error)) throw error;
    if (ids.length === 1) return ids;
  }
  const half = Math.ceil(ids.length / 2);
  const first = await terminateIsolating(terminate, ids.slice(0, half));
  return [...first, ...(await terminateIsolating(terminate, ids.slice(half)))];
}

/** Filter values per DescribeInstances filter (EC2's limit is 200). */
const FILTER_VALUES = 200;

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
    const found = await ec2.findTagged(ALIVE_STATES, [{ Name: "tag:annex:id", Values: ids }]);
    for (const instance of found) byAnnex.get(instance.tags["annex:id"] ?? "")?.push(instance);
  }
  return byAnnex;
}

/**
 * The EC2 port `endAnnex` gets in the lease sweep: `findByAnnex` answered from the page's
 * prefetch (falling back to EC2 for any other annex), `terminate` through the batcher.
 */
export function batchedEc2(
  ec2: EnforcePorts["ec2"],
  prefetched: Map<string, Ec2Instance[]>,
  batcher: TerminateBatcher,
): EnforcePorts["ec2"] {
  return {
    launch: (request) => ec2.launch(request),
    tag: (ids, tags) => ec2.tag(ids, tags),
    findTagged: (states, extra) => ec2.findTagged(states, extra),
    byIds: (ids) => ec2.byIds(ids),
    findByAnnex: (annexId) => {
      const known = prefetched.get(annexId);
      return known === undefined ? ec2.findByAnnex(annexId) : Promise.resolve(known);
    },
    terminate: batcher.terminate,
  };
}
