/**
 * Load: N concurrent users, each with M annexes, against a local stack run as `npm start` runs it
 * (the HTTP API on its port, the enforcer ticking every 10 s; instances are not simulated). Each
 * user creates its annexes, reads their status, resets each lease, lists, and turns them off,
 * as the CLI would (a 5xx is retried with the same request). Then the invariants are read back
 * from EC2 and from each user's annexes: nothing running for an ended annex, nothing launched
 * twice, each annex created and ended once in its audit trail, no bundle left behind.
 */

import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { LOCAL_NAMES, startLocalStack } from "../local/stack.ts";
import { printTable } from "./_table.ts";

const LEVELS: Array<[users: number, annexes: number]> = [
  [1, 10],
  [8, 4],
  [32, 2],
];
const COUNT = 2;

interface Sample {
  op: string;
  ms: number;
  status: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

export async function run(): Promise<void> {
  const stack = await startLocalStack({
    awsPort: 0,
    apiPort: 0,
    inMemory: true,
    tickSeconds: 10,
    ec2: { delays: { pendingMs: 500, shuttingDownMs: 500 } },
    environment: { ANNEX_ADMINS: "admin" },
  });
  const samples: Sample[] = [];
  const call = async (user: string, op: string, method: string, path: string, body?: unknown) => {
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      const response = await fetch(`${stack.apiUrl}${path}`, {
        method,
        headers: { "content-type": "application/json", "x-annex-owner": user },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      samples.push({ op, ms: performance.now() - started, status: response.status });
      if (response.status < 500 || attempt === 2)
        return { status: response.status, json: text ? JSON.parse(text) : {} };
    }
  };
  try {
    await call("admin", "setup", "POST", "/setup", {
      collectorHost: "cm.example.org",
      allowCidr: "10.0.0.0/8",
      poolPassword: "bench-password-0123456789",
      defaults: { imageId: "ami-0123456789abcdef0", instanceType: "t3.micro" },
    });
    const rows: string[][] = [];
    const users: string[] = [];
    for (const [n, m] of LEVELS) {
      const first = samples.length;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: n }, async (_, u) => {
          const user = `load${n}u${u}`;
          users.push(user);
          const names = Array.from({ length: m }, (_, a) => `annex-${a}`);
          for (const name of names)
            await call(user, "create", "POST", "/annexes", {
              name,
              clientToken: `${user}-${name}`,
              count: COUNT,
              durationHours: 1,
              owners: [user],
            });
          for (const name of names) await call(user, "status", "GET", `/annexes/${name}`);
          for (const name of names)
            await call(user, "extend", "PATCH", `/annexes/${name}`, { durationHours: 2 });
          await call(user, "list", "GET", "/annexes");
          for (const name of names) await call(user, "off", "DELETE", `/annexes/${name}`);
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const level = samples.slice(first);
      for (const op of ["create", "status", "extend", "list", "off"]) {
        const of = level.filter((s) => s.op === op);
        const ms = of.map((s) => s.ms).sort((a, b) => a - b);
        rows.push([
          `${n} × ${m}`,
          op,
          String(of.length),
          percentile(ms, 50).toFixed(0),
          percentile(ms, 99).toFixed(0),
          String(of.filter((s) => s.status >= 400).length),
        ]);
      }
      rows.push([
        `${n} × ${m}`,
        "all",
        String(level.length),
        "",
        "",
        `${(level.length / seconds).toFixed(1)} req/s`,
      ]);
    }
    printTable(["users × annexes", "operation", "requests", "p50 ms", "p99 ms", "errors"], rows);
    process.stdout.write("\n");
    const failed = samples.filter((s) => s.status >= 400).length;
    const expected = LEVELS.reduce((sum, [n, m]) => sum + n * m, 0);
    printTable(
      ["invariant after the load", "measured", "goal"],
      [
        ["requests answered 4xx or 5xx", String(failed), "0"],
        ...(await invariants(stack, users, call, expected)),
      ],
    );
  } finally {
    await stack.stop();
  }
}

type Call = (
  user: string,
  op: string,
  method: string,
  path: string,
) => Promise<{ status: number; json: Record<string, unknown> }>;

interface View {
  id: string;
  name: string;
  state: string;
  events?: Array<{ type: string }>;
}

async function invariants(
  stack: Awaited<ReturnType<typeof startLocalStack>>,
  users: string[],
  call: Call,
  expected: number,
): Promise<string[][]> {
  const instances = stack.aws.ec2.control.instances();
  let annexes = 0;
  let notEnded = 0;
  let runningForEnded = 0;
  let launchedTwice = 0;
  let auditWrong = 0;
  for (const user of users) {
    const list = (await call(user, "check", "GET", "/annexes")).json.annexes as View[];
    for (const summary of list) {
      annexes += 1;
      const { annex } = (await call(user, "check", "GET", `/annexes/${summary.name}`)).json as {
        annex: View;
      };
      if (annex.state !== "ended") notEnded += 1;
      const mine = instances.filter((i) => i.tags["annex:id"] === annex.id);
      if (mine.length > COUNT) launchedTwice += 1;
      runningForEnded += mine.filter((i) => i.state === "running" || i.state === "pending").length;
      const types = (annex.events ?? []).map((e) => e.type);
      if (types.filter((t) => t === "created").length !== 1) auditWrong += 1;
      if (types.filter((t) => t === "off").length !== 1) auditWrong += 1;
    }
  }
  const s3 = new S3Client({ endpoint: stack.awsEndpoint, forcePathStyle: true });
  const bundles = await s3.send(
    new ListObjectsV2Command({ Bucket: LOCAL_NAMES.bucket, Prefix: "annexes/" }),
  );
  s3.destroy();
  return [
    ["annexes made", String(annexes), String(expected)],
    ["annexes not ended after off", String(notEnded), "0"],
    ["instances running for an ended annex", String(runningForEnded), "0"],
    ["annexes with more instances than asked", String(launchedTwice), "0"],
    ["audit trails without exactly one created and one off", String(auditWrong), "0"],
    ["bundles left in S3 for ended annexes", String(bundles.KeyCount ?? 0), "0"],
  ];
}
