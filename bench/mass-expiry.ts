/**
 * Mass expiry: 10,000 instances across 500 annexes, all due in the same tick, with the enforcer
 * alone (no on-instance timers: instances never bootstrap) and EC2's published throttle buckets
 * on. Annexes are made through the API of a local stack; then the clock jumps past their leases
 * and the enforcer (the real handler, with its real budget) ticks once a minute until every
 * instance is terminated and every annex ended. A tick with more due annexes than one sweep ends
 * hands them to the end-annexes workers through the local SQS, whose event source mapping the
 * local runner plays. Every AWS call of the handlers goes through a counting tap, attributed to the
 * function that made it.
 *
 * Time: the EC2 emulator, the queues and the handlers share one clock that runs at wall speed (so
 * EC2's token buckets refill as they would) and jumps forward where the bench says (the lease
 * end, the next tick). `ANNEX_BENCH_ANNEXES` / `ANNEX_BENCH_PER_ANNEX` scale it down.
 */

import http from "node:http";
import type { Clock } from "../local/clock.ts";
import { invocation } from "../local/runner/invoke.ts";
import { scheduledEvent } from "../local/runner/scheduler.ts";
import { type LocalStack, startLocalStack } from "../local/stack.ts";
import { type AwsTap, CALLER_HEADER, startAwsTap } from "../tests/reliability/support/aws-tap.ts";
import { freePort } from "../tests/support/ports.ts";
import { benchApi } from "./_api.ts";
import { printTable } from "./_table.ts";

const ANNEXES = Number(process.env.ANNEX_BENCH_ANNEXES ?? 500);
const PER_ANNEX = Number(process.env.ANNEX_BENCH_PER_ANNEX ?? 20);
const TICK_SECONDS = 60;
const MAX_TICKS = 10;
const CREATE_CONCURRENCY = 8;
const ENFORCER = ["enforce-leases", "end-annexes"];

/** A clock at wall speed that can jump ahead; `Date` follows it, so the handlers' `now` does too. */
function jumpingClock(): Clock & { jump(seconds: number): void } {
  const RealDate = Date;
  let offset = 0;
  const now = () => RealDate.now() + offset;
  class ShiftedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(now());
      else super(...(args as [string]));
    }
    static override now() {
      return now();
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
  // Whole milliseconds, as the real Date.now() gives them.
  return { now, jump: (seconds) => (offset += Math.round(seconds * 1000)) };
}

/**
 * Marks each AWS call with the function whose invocation made it (the local runner's invocation
 * context), so the tap counts the enforcer's, the workers' and the EC2 events' calls apart. The
 * SDK takes node:http's `request` when it first sends, after this has wrapped it.
 */
function markCallers(): void {
  const original = http.request;
  http.request = ((options: http.RequestOptions, ...rest: unknown[]) => {
    const name = invocation.getStore()?.functionName;
    const marked = name
      ? { ...options, headers: { ...options.headers, [CALLER_HEADER]: name } }
      : options;
    return (original as (...args: unknown[]) => http.ClientRequest)(marked, ...rest);
  }) as typeof http.request;
}

type Api = (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>>;

/** Setup and the annexes, through the API; returns the latest lease end (epoch ms). */
async function seed(call: Api): Promise<number> {
  await call("POST", "/setup", {
    collectorHost: "cm.example.org",
    allowCidr: "10.0.0.0/8",
    poolPassword: "bench-password-0123456789",
    defaults: { imageId: "ami-0123456789abcdef0", instanceType: "t3.micro" },
    limits: { maxCount: PER_ANNEX },
  });
  let lease = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: CREATE_CONCURRENCY }, async () => {
      while (next < ANNEXES) {
        const i = next++;
        const { annex } = (await call("POST", "/annexes", {
          name: `mass-${i}`,
          clientToken: `mass-${i}`,
          count: PER_ANNEX,
          durationHours: 0.1,
          idleHours: 0.1,
          owners: ["bench"],
        })) as { annex: { leaseExpiresAt: string } };
        lease = Math.max(lease, Date.parse(annex.leaseExpiresAt));
      }
    }),
  );
  return lease;
}

export async function run(): Promise<void> {
  markCallers();
  const clock = jumpingClock();
  const awsPort = await freePort();
  const tap = await startAwsTap(`http://127.0.0.1:${awsPort}`);
  const stack = await startLocalStack({
    awsPort,
    apiPort: 0,
    inMemory: true,
    tickSeconds: 0,
    ec2: { clock, delays: { pendingMs: 0, shuttingDownMs: 0 } },
    environment: { AWS_ENDPOINT_URL: tap.url, ANNEX_ADMINS: "bench" },
  });
  const call: Api = benchApi(stack.apiUrl);

  try {
    const seedStarted = performance.now();
    const lease = await seed(call);
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    await measure(stack, tap, clock, call, lease, seedSeconds);
  } finally {
    tap.dropAll();
    await stack.stop();
    await tap.close();
  }
}

async function measure(
  stack: LocalStack,
  tap: AwsTap,
  clock: ReturnType<typeof jumpingClock>,
  call: Api,
  lease: number,
  seedSeconds: number,
): Promise<void> {
  const control = stack.aws.ec2.control;
  const alive = () =>
    control.instances().filter((i) => i.state === "pending" || i.state === "running").length;
  const due = alive();
  let lastGone = 0;
  let events = 0;
  stack.aws.ec2.onEvent((event) => {
    events += 1;
    const state = (event.detail as { state?: string }).state;
    if (state === "shutting-down") lastGone = Math.max(lastGone, clock.now());
  });
  const notEnded = async () => {
    const listed = (await call("GET", "/annexes")) as { annexes: Array<{ state: string }> };
    return listed.annexes.filter((annex) => annex.state !== "ended").length;
  };

  // The launches' own events (pending, running) are handled before the count starts.
  await stack.eventsIdle();
  control.setThrottling(true);
  clock.jump((lease - clock.now()) / 1000 + 1);
  tap.resetCounts();
  events = 0;
  const ticks: string[][] = [];
  let lastEnded = 0;
  let left = due;
  let open = ANNEXES;
  for (let tick = 1; (left > 0 || open > 0) && tick <= MAX_TICKS; tick++) {
    const tickAt = clock.now();
    const report = (await stack.invoke(
      "enforce-leases",
      scheduledEvent("enforce-leases"),
    )) as Record<string, unknown>;
    const sweepSeconds = (clock.now() - tickAt) / 1000;
    // The workers' share of the tick: until they have drained the queue, or the next tick is due.
    await Promise.race([stack.queuesIdle(), until(clock, tickAt + TICK_SECONDS * 1000)]);
    left = alive();
    open = await notEnded();
    if (open === 0 && lastEnded === 0) lastEnded = clock.now();
    ticks.push([
      String(tick),
      sweepSeconds.toFixed(1),
      String(report.annexesHandedOff ?? ""),
      String(report.annexesEnded ?? ""),
      ((clock.now() - tickAt) / 1000).toFixed(1),
      String(left),
      String(open),
      String(report.failures ?? ""),
    ]);
    if (left > 0 || open > 0) await until(clock, tickAt + TICK_SECONDS * 1000);
  }
  await stack.eventsIdle(); // every EC2 event of the end handled, so its reads are all counted
  printFigures({ due, left, open, lease, lastGone, lastEnded, ticks, tap, events, seedSeconds });
}

/** Waits (at wall speed) until the clock reads `at`. */
async function until(clock: Clock, at: number): Promise<void> {
  while (clock.now() < at) await new Promise((resolve) => setTimeout(resolve, 100));
}

interface Outcome {
  due: number;
  left: number;
  open: number;
  lease: number;
  lastGone: number;
  lastEnded: number;
  ticks: string[][];
  tap: AwsTap;
  events: number;
  seedSeconds: number;
}

function printFigures(o: Outcome): void {
  const counts = o.tap.counts;
  const of = (names: string[]) =>
    names.reduce(
      (sum, name) => ({
        dynamoItemsRead: sum.dynamoItemsRead + (counts.byCaller[name]?.dynamoItemsRead ?? 0),
        ec2Calls: sum.ec2Calls + (counts.byCaller[name]?.ec2Calls ?? 0),
      }),
      { dynamoItemsRead: 0, ec2Calls: 0 },
    );
  const enforcer = of(ENFORCER);
  const events = of(["handle-ec2-event"]);
  const throttled = counts.errors["ec2:RequestLimitExceeded"] ?? 0;
  const ticksToLast = o.ticks.findIndex((row) => row[5] === "0") + 1;
  const seconds = (at: number) => (at === 0 ? "—" : ((at - o.lease) / 1000).toFixed(1));
  const per = (n: number, of: number, digits = 2) => (n / of).toFixed(digits);
  process.stdout.write(
    `${ANNEXES} annexes × ${PER_ANNEX} instances = ${o.due} due at the same tick (seeded through the API in ${o.seedSeconds.toFixed(0)} s)\n\n`,
  );
  printTable(
    [
      "tick",
      "sweep s",
      "handed off",
      "ended by the sweep",
      "tick s",
      "still running",
      "annexes not ended",
      "failures",
    ],
    o.ticks,
  );
  process.stdout.write("\n");
  printTable(
    ["figure", "measured", "goal"],
    [
      [
        "ticks until the last is terminated",
        o.left > 0 ? `> ${o.ticks.length}` : String(ticksToLast),
        "1",
      ],
      ["seconds from lease end to the last termination", seconds(o.lastGone), `≤ ${TICK_SECONDS}`],
      ["seconds from lease end to the last annex ended", seconds(o.lastEnded), "—"],
      ["instances still running", String(o.left), "0"],
      ["annexes not ended", String(o.open), "0"],
      [
        "DynamoDB items read per expired instance (sweep + workers)",
        per(enforcer.dynamoItemsRead, o.due),
        "≤ 2",
      ],
      ["EC2 calls per expired instance (sweep + workers)", per(enforcer.ec2Calls, o.due, 4), "≪ 1"],
      [
        "DynamoDB items read per EC2 event (event handler)",
        per(events.dynamoItemsRead, Math.max(o.events, 1)),
        "≤ 2",
      ],
      ["EC2 events handled", String(o.events), "—"],
      ["EC2 calls throttled (RequestLimitExceeded)", String(throttled), "—"],
      [
        "EC2 calls by action",
        `${Object.entries(counts.byAction)
          .filter(([key]) => key.startsWith("ec2:"))
          .map(([key, n]) => `${key.slice(4)} ${n}`)
          .join(", ")} (all callers)`,
        "—",
      ],
    ],
  );
}
