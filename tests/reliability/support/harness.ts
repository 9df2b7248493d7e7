/**
 * The reliability and security suites' stack, driven from outside only: the HTTP API of a local
 * stack, direct invocation through its invoker, the EC2 emulator's control interface, and state
 * read back through the SDK. Every AWS call of the handlers goes through an {@link AwsTap}.
 *
 * Time is a parameter: the EC2 emulator runs on a ManualClock, and the handlers' `Date` (they take
 * `now` from it, as Lambda handlers do) is vitest's fake Date, moved with that clock. Nothing
 * sleeps; `advance` jumps both.
 */

import { request as httpRequest } from "node:http";
import { vi } from "vitest";
import type { LocalStack, LocalStackOptions } from "../../../local/stack.ts";
import { freePort } from "../../support/ports.ts";
import { ManualClock, SETUP, startTestStack } from "../../support/stack.ts";
import { type AwsTap, startAwsTap } from "./aws-tap.ts";

/** The owner ARN the local runner gives `x-annex-owner: NAME`. */
export const ownerArn = (name: string) => `arn:aws:iam::000000000000:user/${name}`;

export interface Answer {
  status: number;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: Record<string, unknown> | undefined;
}

export interface CallOptions {
  owner?: string | null;
  /** A string is sent as it is; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Harness {
  stack: LocalStack;
  /** The tap every AWS call of the handlers goes through. */
  tap: AwsTap;
  /** Where the tests read AWS's state: the local AWS behind a tap of their own, not counted with the handlers'. */
  readEndpoint: string;
  clock: ManualClock;
  /** Epoch seconds of the shared clock. */
  now(): number;
  /** Moves the EC2 clock and the handlers' Date forward together. */
  advance(seconds: number): void;
  /** One HTTP request to the API; the path goes out exactly as given (no normalisation). */
  call(method: string, path: string, options?: CallOptions): Promise<Answer>;
  /** One enforcer tick (the scheduled event, straight to the handler). */
  tick(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Starts a stack behind a tap, on the shared clock, set up as the tests' pool (unless `setup: false`). */
export async function startHarness(
  options: LocalStackOptions & { setup?: boolean } = {},
): Promise<Harness> {
  const clock = new ManualClock(Math.ceil(Date.now() / 1000) * 1000);
  vi.useFakeTimers({ toFake: ["Date"], now: clock.now() });
  const awsPort = await freePort();
  const tap = await startAwsTap(`http://127.0.0.1:${awsPort}`);
  const readTap = await startAwsTap(`http://127.0.0.1:${awsPort}`);
  const stack = await startTestStack({
    ...options,
    awsPort,
    ec2: { clock, ...options.ec2 },
    // alice is the pool's administrator (POST /setup is admin-only).
    environment: { AWS_ENDPOINT_URL: tap.url, ANNEX_ADMINS: "alice", ...options.environment },
  });
  const harness: Harness = {
    stack,
    tap,
    readEndpoint: readTap.url,
    clock,
    now: () => Math.floor(clock.now() / 1000),
    advance(seconds) {
      clock.advance(Math.round(seconds * 1000));
      vi.setSystemTime(clock.now());
    },
    call: (method, path, callOptions = {}) => call(stack.apiUrl, method, path, callOptions),
    tick: async () =>
      (await stack.invoke("enforce-leases", scheduledEvent(clock.now()))) as Record<
        string,
        unknown
      >,
    async stop() {
      tap.dropAll();
      await stack.stop();
      await tap.close();
      await readTap.close();
      vi.useRealTimers();
    },
  };
  if (options.setup !== false) {
    const answer = await harness.call("POST", "/setup", { owner: "alice", body: SETUP });
    if (answer.status !== 200) throw new Error(`setup answered ${answer.status}: ${answer.text}`);
  }
  return harness;
}

function call(base: string, method: string, path: string, options: CallOptions): Promise<Answer> {
  const url = new URL(base);
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body);
  const owner = options.owner === undefined ? "alice" : options.owner;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    ...(owner === null ? {} : { "x-annex-owner": owner }),
    ...options.headers,
  };
  if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, text, json: parseJson(text) });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The EventBridge scheduled event the enforcer receives every minute. */
export function scheduledEvent(at: number) {
  return {
    version: "0",
    id: `tick-${at}`,
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "000000000000",
    time: new Date(at).toISOString(),
    region: "us-east-1",
    resources: ["arn:aws:events:us-east-1:000000000000:rule/cloud-annex-local-enforce-leases"],
    detail: {},
  };
}

/** Waits (in real time, briefly) until `check` passes: EC2 events reach their handler asynchronously. */
export async function settle(check: () => Promise<boolean> | boolean, timeoutMs = 5000) {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error("the state did not settle in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Prints one line of counts for the run's log (the suites' figures). */
export function printCounts(suite: string, counts: Record<string, number | string>): void {
  const fields = Object.entries(counts).map(([key, value]) => `${key}: ${value}`);
  console.log(`[${suite}] ${fields.join(", ")}`);
}
