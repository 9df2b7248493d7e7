/**
 * Mass expiry: 10,000 instances across 500 annexes, all due in the same tick, with the enforcer
 * alone (no on-instance timers: instances never bootstrap) and EC2's published throttle buckets
 * on. Annexes are made through the API of a local stack; then the clock jumps past their leases
 * and the enforcer (the real handler, with its real budget) ticks once a minute until the last
 * instance is terminated. Every AWS call of the handlers goes through a counting tap.
 *
 * Time: the EC2 emulator and the handlers share one clock that runs at wall speed (so EC2's token
 * buckets refill as they would) and jumps forward where the bench says (the lease end, the next
 * tick). `ANNEX_BENCH_ANNEXES` / `ANNEX_BENCH_PER_ANNEX` scale it down for a quick look.
 */

import { AsyncLocalStorage } from "node:async_hooks";
import http from "node:http";
import type { Clock } from "../local/clock.ts";
import { startLocalStack } from "../local/stack.ts";
import {
  CALLER_HEADER,
  freePort,
  startAwsTap,
  type TappedCall,
} from "../tests/reliability/support/aws-tap.ts";
import { printTable } from "./_table.ts";

const ANNEXES = Number(process.env.ANNEX_BENCH_ANNEXES ?? 500);
const PER_ANNEX = Number(process.env.ANNEX_BENCH_PER_ANNEX ?? 20);
const TICK_SECONDS = 60;
const MAX_TICKS = 10;
const CREATE_CONCURRENCY = 8;

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
 * Marks the AWS calls made on behalf of the enforcer's invocation for the tap, so its figures are
 * the enforcer's own and not those of the EC2 events its terminations cause. The SDK takes
 * node:http's `request` when it first sends, after this has wrapped it.
 */
const caller = new AsyncLocalStorage<string>();
function markCallers(): void {
  const original = http.request;
  http.request = ((options: http.RequestOptions, ...rest: unknown[]) => {
    const name = caller.getStore();
    const marked = name
      ? { ...options, headers: { ...options.headers, [CALLER_HEADER]: name } }
      : options;
    return (original as (...args: unknown[]) => http.ClientRequest)(marked, ...rest);
  }) as typeof http.request;
}

export async function run(): Promise<void> {
  markCallers();
  const clock = jumpingClock();
  const awsPort = await freePort();
  const tap = await startAwsTap(`http://127.0.0.1:${awsPort}`, { rewrite: spreadAcrossZones });
  const stack = await startLocalStack({
    awsPort,
    apiPort: 0,
    inMemory: true,
    tickSeconds: 0,
    ec2: { clock, delays: { pendingMs: 0, shuttingDownMs: 0 } },
    environment: { AWS_ENDPOINT_URL: tap.url, ANNEX_ADMINS: "bench" },
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { "content-type": "application/json", "x-annex-owner": "bench" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as { annex: { leaseExpiresAt: string } };
  };
  try {
    await call("POST", "/setup", {
      collectorHost: "cm.example.org",
      allowCidr: "10.0.0.0/8",
      poolPassword: "bench-password-0123456789",
      defaults: { imageId: "ami-0123456789abcdef0", instanceType: "t3.micro" },
      limits: { maxCount: PER_ANNEX },
    });
    const seedStarted = performance.now();
    let lease = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: CREATE_CONCURRENCY }, async () => {
        while (next < ANNEXES) {
          const i = next++;
          const { annex } = await call("POST", "/annexes", {
            name: `mass-${i}`,
            clientToken: `mass-${i}`,
            count: PER_ANNEX,
            durationHours: 0.1,
            idleHours: 0.1,
            owners: ["bench"],
          });
          lease = Math.max(lease, Date.parse(annex.leaseExpiresAt));
        }
      }),
    );
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const control = stack.aws.ec2.control;
    const alive = () =>
      control.instances().filter((i) => i.state === "pending" || i.state === "running");
    const due = alive().length;
    let lastGone = 0;
    stack.aws.ec2.onEvent((event) => {
      const state = (event.detail as { state?: string }).state;
      if (state === "shutting-down") lastGone = Math.max(lastGone, Date.parse(event.time));
    });

    control.setThrottling(true);
    clock.jump((lease - clock.now()) / 1000 + 1);
    tap.resetCounts();
    const ticks: string[][] = [];
    let tick = 0;
    while (alive().length > 0 && tick < MAX_TICKS) {
      tick += 1;
      const started = performance.now();
      const report = (await caller.run("enforcer", () =>
        stack.invoke("enforce-leases", scheduled()),
      )) as Record<string, unknown>;
      const ms = performance.now() - started;
      ticks.push([
        String(tick),
        String(alive().length),
        (ms / 1000).toFixed(1),
        String(report.complete),
        String(report.annexesEnded ?? ""),
        String(report.failures ?? ""),
      ]);
      if (alive().length > 0) clock.jump(TICK_SECONDS - ms / 1000);
    }
    const left = alive().length;
    const listed = (await (
      await fetch(`${stack.apiUrl}/annexes`, { headers: { "x-annex-owner": "bench" } })
    ).json()) as { annexes: Array<{ state: string }> };
    const notEnded = listed.annexes.filter((annex) => annex.state !== "ended").length;
    const counts = tap.counts;
    const mine = counts.byCaller.enforcer ?? { dynamoItemsRead: 0, ec2Calls: 0 };
    const events = counts.byCaller.other ?? { dynamoItemsRead: 0, ec2Calls: 0 };
    const throttled = counts.errors["ec2:RequestLimitExceeded"] ?? 0;
    const overrun = left > 0 ? Number.NaN : (lastGone - lease) / 1000;
    const per = (n: number, digits = 2) => (n / due).toFixed(digits);
    process.stdout.write(
      `${ANNEXES} annexes × ${PER_ANNEX} instances = ${due} due at the same tick (seeded through the API in ${seedSeconds.toFixed(0)} s)\n\n`,
    );
    printTable(
      ["tick", "still running after", "wall s", "sweep complete", "annexes ended", "failures"],
      ticks,
    );
    process.stdout.write("\n");
    printTable(
      ["figure", "measured", "goal"],
      [
        ["ticks until the last is terminated", left > 0 ? `> ${tick}` : String(tick), "1"],
        ["seconds from lease end to the last termination", overrun.toFixed(1), `≤ ${TICK_SECONDS}`],
        ["instances still running", String(left), "0"],
        ["annexes not ended", String(notEnded), "0"],
        ["DynamoDB items read per expired instance (enforcer)", per(mine.dynamoItemsRead), "≤ 2"],
        ["EC2 calls per expired instance (enforcer)", per(mine.ec2Calls, 4), "≪ 1"],
        ["DynamoDB items read per instance (EC2 event handler)", per(events.dynamoItemsRead), "—"],
        ["EC2 calls throttled (RequestLimitExceeded)", String(throttled), "—"],
        [
          "EC2 calls by action",
          Object.entries(counts.byAction)
            .filter(([key]) => key.startsWith("ec2:"))
            .map(([key, n]) => `${key.slice(4)} ${n}`)
            .join(", ") + " (all callers)",
          "—",
        ],
      ],
    );
  } finally {
    tap.dropAll();
    await stack.stop();
    await tap.close();
  }
}

const ZONES = ["a", "b", "c", "d", "e", "f"].map((letter) => `us-east-1${letter}`);

/**
 * AWS picks a default subnet for a RunInstances that names none; the emulator always takes the
 * first zone's, whose /20 holds about 4,000 addresses. The bench spreads such launches over the
 * six default subnets as AWS would (by client token, so a retry lands in the same zone).
 */
function spreadAcrossZones(call: TappedCall): string | undefined {
  if (call.service !== "ec2" || call.action !== "RunInstances") return undefined;
  const params = new URLSearchParams(call.body);
  if (params.has("Placement.AvailabilityZone") || params.has("SubnetId")) return undefined;
  const token = params.get("ClientToken") ?? "";
  let hash = 0;
  for (const char of token) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  params.set("Placement.AvailabilityZone", ZONES[hash % ZONES.length] ?? "us-east-1a");
  return params.toString();
}

function scheduled() {
  return {
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "000000000000",
    time: new Date().toISOString(),
    region: "us-east-1",
    resources: ["arn:aws:events:us-east-1:000000000000:rule/cloud-annex-local-enforce-leases"],
    detail: {},
  };
}
