/**
 * API latency: create (POST /annexes) and status (GET /annexes/{name}) p50/p99 at concurrency 1, 8
 * and 32 against an in-memory local stack (real handlers, real SDK over HTTP, local AWS).
 * The local AWS (dynalite, s3rver, the EC2 emulator) runs in the same Node.js process as the
 * handlers, so these figures include its work and share one core with it: they compare versions
 * of this service on one machine, they do not predict latency in AWS. A create makes about 16
 * calls (DynamoDB puts/gets, 3 S3 calls, RunInstances, DescribeInstances); a status makes 3.
 */

import { startLocalStack } from "../local/stack.ts";
import { printTable } from "./_table.ts";

const LEVELS = [1, 8, 32];
const REQUESTS_PER_LEVEL = 64;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

async function measure(concurrency: number, total: number, call: (i: number) => Promise<number>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        const status = await call(i);
        if (status >= 300) throw new Error(`request ${i} answered ${status}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const wall = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    perSecond: (total / wall) * 1000,
  };
}

export async function run(): Promise<void> {
  const stack = await startLocalStack({
    admins: ["bench"],
    awsPort: 0,
    apiPort: 0,
    inMemory: true,
    tickSeconds: 0,
    ec2: { delays: { pendingMs: 0 } },
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { "content-type": "application/json", "x-annex-owner": "bench" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.status;
  };
  try {
    await call("POST", "/setup", {
      collectorHost: "cm.example.org",
      allowCidr: "10.0.0.0/8",
      poolPassword: "bench-password",
      defaults: { imageId: "ami-0123456789abcdef0", instanceType: "t3.micro" },
      limits: { maxCount: 10, maxDurationHours: 24 },
    });
    const rows: string[][] = [];
    for (const concurrency of LEVELS) {
      const names = Array.from(
        { length: REQUESTS_PER_LEVEL },
        (_, i) => `bench-c${concurrency}-${i}`,
      );
      const create = await measure(concurrency, names.length, (i) =>
        call("POST", "/annexes", {
          name: names[i],
          clientToken: `${names[i]}-token`,
          count: 1,
          owners: ["bench"],
        }),
      );
      const status = await measure(concurrency, names.length, (i) =>
        call("GET", `/annexes/${names[i]}`),
      );
      rows.push([
        "create",
        String(concurrency),
        String(names.length),
        create.p50.toFixed(1),
        create.p99.toFixed(1),
        create.perSecond.toFixed(0),
      ]);
      rows.push([
        "status",
        String(concurrency),
        String(names.length),
        status.p50.toFixed(1),
        status.p99.toFixed(1),
        status.perSecond.toFixed(0),
      ]);
    }
    printTable(["operation", "concurrency", "requests", "p50 ms", "p99 ms", "req/s"], rows);
  } finally {
    await stack.stop();
  }
}
