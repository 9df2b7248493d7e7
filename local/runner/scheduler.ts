/**
 * What EventBridge does in AWS: runs `schedule` functions on a tick and routes EC2 events to
 * their rules' functions, asynchronously (each function's events queued, a few at a time).
 */

import type { Ec2Emulator } from "../ec2/index.ts";
import { asyncInvoker } from "./async-invoke.ts";
import type { Invoker } from "./invoke.ts";
import type { EventPattern, FunctionDefinition } from "./service-definition.ts";

export interface Scheduler {
  /** Runs each scheduled function once (skipping one still running: reserved concurrency 1). */
  runOnce(): Promise<void>;
  /** Resolves once every EC2 event delivered so far (and any delivered meanwhile) was handled. */
  eventsIdle(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the tick (every `tickSeconds`; 0 = never by itself) and the EC2 event routing. */
export function startScheduler(
  functions: FunctionDefinition[],
  invoker: Invoker,
  ec2: Ec2Emulator,
  options: { tickSeconds: number; eventConcurrency: number },
): Scheduler {
  const { tickSeconds } = options;
  const scheduled = functions.filter((fn) => fn.schedule);
  const inFlight = new Map<string, Promise<void>>();
  const runOne = (fn: FunctionDefinition): Promise<void> => {
    const current = inFlight.get(fn.name);
    if (current) return current;
    const run = invoker
      .invoke(fn.name, scheduledEvent(fn.name))
      .then(
        () => undefined,
        (error: unknown) => reportInvocationError(fn.name, error),
      )
      .finally(() => inFlight.delete(fn.name));
    inFlight.set(fn.name, run);
    return run;
  };
  const runOnce = async () => {
    await Promise.all(scheduled.map(runOne));
  };
  const timer = tickSeconds > 0 ? setInterval(() => void runOnce(), tickSeconds * 1000) : undefined;

  // EventBridge invokes its targets asynchronously: Lambda queues the events of each function.
  const events = asyncInvoker(invoker, options.eventConcurrency, reportInvocationError);
  const unsubscribe = ec2.onEvent((event) => {
    for (const fn of functions)
      if (fn.eventPatterns.some((pattern) => matches(pattern, event)))
        void events.invoke(fn.name, event);
  });

  return {
    runOnce,
    eventsIdle: () => events.idle(),
    async stop() {
      if (timer) clearInterval(timer);
      unsubscribe();
      await Promise.all([...inFlight.values(), events.stop()]);
    },
  };
}

function matches(pattern: EventPattern, event: { source: string; "detail-type": string }): boolean {
  return (
    (pattern.source === undefined || pattern.source.includes(event.source)) &&
    (pattern["detail-type"] === undefined || pattern["detail-type"].includes(event["detail-type"]))
  );
}

/** An EventBridge schedule's event for the function `name`, as its rule delivers it. */
export function scheduledEvent(name: string) {
  return {
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "000000000000",
    time: new Date().toISOString(),
    region: "us-east-1",
    resources: [`arn:aws:events:us-east-1:000000000000:rule/cloud-annex-local-${name}`],
    detail: {},
  };
}

/** An invocation that threw, as the Lambda console would show it: on stderr. */
export function reportInvocationError(name: string, error: unknown): void {
  process.stderr.write(
    `local ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
}
