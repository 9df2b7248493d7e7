/**
 * Lambda's asynchronous invocation, as EventBridge uses it: events wait in a queue per function
 * and run at most `concurrency` at a time, in the order they came (Lambda runs the rest as
 * concurrency frees up). Locally this also keeps a burst of events (20,000 EC2 state changes when
 * 10,000 instances end at once) from holding thousands of invocations open in one process, where
 * in AWS each would run in a container of its own.
 */

import type { Invoker } from "./invoke.ts";

export interface AsyncInvoker {
  /** Queues one invocation; resolves once it has run (an error goes to `report`) or was dropped. */
  invoke(name: string, event: unknown): Promise<void>;
  /** Resolves once every queued invocation has run (including those queued meanwhile). */
  idle(): Promise<void>;
  /** Drops what has not started and waits for what has. */
  stop(): Promise<void>;
}

interface Job {
  run(): Promise<void>;
  drop(): void;
}

export function asyncInvoker(
  invoker: Invoker,
  concurrency: number,
  report: (name: string, error: unknown) => void,
): AsyncInvoker {
  const queues = new Map<string, Job[]>();
  const running = new Set<Promise<void>>();
  const counts = new Map<string, number>();
  const next = (name: string) => {
    const queue = queues.get(name) ?? [];
    while ((counts.get(name) ?? 0) < concurrency && queue.length > 0) {
      const job = queue.shift() as Job;
      counts.set(name, (counts.get(name) ?? 0) + 1);
      const run = job.run().finally(() => {
        running.delete(run);
        counts.set(name, (counts.get(name) ?? 1) - 1);
        next(name);
      });
      running.add(run);
    }
  };
  return {
    invoke: (name, event) =>
      new Promise<void>((resolve) => {
        const queue = queues.get(name) ?? [];
        queues.set(name, queue);
        queue.push({
          run: () =>
            invoker.invoke(name, event).then(
              () => resolve(),
              (error: unknown) => {
                report(name, error);
                resolve();
              },
            ),
          drop: resolve,
        });
        next(name);
      }),
    async idle() {
      while (running.size > 0) await Promise.all([...running]);
    },
    async stop() {
      for (const queue of queues.values()) for (const job of queue.splice(0)) job.drop();
      await Promise.all([...running]);
    },
  };
}
