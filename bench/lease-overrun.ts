/**
 * Lease overrun: how many seconds each instance runs past its lease, measured from the EC2
 * emulator's state-change events against the lease the API answered. Two runs on a local stack:
 * with simulated instances running the real bootstrap script (the on-instance power-off timer
 * is the first line, the enforcer the backstop), and with instances that never bootstrap (the
 * enforcer alone). The local enforcer ticks every TICK_SECONDS; in AWS it ticks every 60 s, so
 * the enforcer-alone bound there is 60 s where it is TICK_SECONDS here.
 */

import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startLocalStack } from "../local/stack.ts";
import { benchApi } from "./_api.ts";
import { printTable } from "./_table.ts";

const TICK_SECONDS = 5;
const ANNEXES = 3;
const INSTANCES_PER_ANNEX = 2;
const LEASE_HOURS = 0.006; // 21.6 s
const GIVE_UP_MS = 120_000;

interface Scenario {
  name: string;
  simulate: boolean;
}

export async function run(): Promise<void> {
  const rows: string[][] = [];
  for (const scenario of [
    { name: "on-instance timer + enforcer", simulate: true },
    { name: "enforcer alone", simulate: false },
  ] satisfies Scenario[]) {
    const overruns = measureInOwnProcess(scenario);
    const sorted = [...overruns].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
    rows.push([
      scenario.name,
      String(sorted.length),
      at(0).toFixed(1),
      at(0.5).toFixed(1),
      (sorted.at(-1) ?? Number.NaN).toFixed(1),
      String(TICK_SECONDS),
    ]);
  }
  const header = ["scenario", "instances", "min s", "median s", "max s", "tick s"];
  printTable(header, rows);
}

/** One local stack per process: each scenario runs in a child process and answers JSON. */
function measureInOwnProcess(scenario: Scenario): number[] {
  const output = execFileSync(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), JSON.stringify(scenario)],
    {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: "ERROR" },
    },
  );
  return JSON.parse(output.toString().trim().split("\n").at(-1) ?? "[]") as number[];
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2]?.startsWith("{")) {
  const overruns = await measure(JSON.parse(process.argv[2]) as Scenario);
  process.stdout.write(`${JSON.stringify(overruns)}\n`);
  process.exit(0);
}

/** Seconds past the lease at which each instance left `running` (negative: before the lease). */
async function measure(scenario: Scenario): Promise<number[]> {
  const stack = await startLocalStack({
    admins: ["bench"],
    awsPort: 0,
    apiPort: 0,
    inMemory: true,
    tickSeconds: TICK_SECONDS,
    ec2: { delays: { pendingMs: 500, shuttingDownMs: 500 } },
    simulateInstances: scenario.simulate ? { heartbeatSeconds: 2 } : false,
  });
  const leftRunning = new Map<string, number>();
  stack.aws.ec2.onEvent((event) => {
    const detail = event.detail as { "instance-id"?: string; state?: string };
    const id = detail["instance-id"];
    if (
      id &&
      (detail.state === "shutting-down" || detail.state === "stopping") &&
      !leftRunning.has(id)
    ) {
      leftRunning.set(id, Date.now());
    }
  });
  const call = benchApi<{
    annex: { leaseExpiresAt: string; instances: Array<{ id: string }> };
  }>(stack.apiUrl);

  try {
    await call("POST", "/setup", {
      collectorHost: "cm.example.org",
      allowCidr: "10.0.0.0/8",
      poolPassword: "bench-password",
      defaults: { imageId: "ami-0123456789abcdef0", instanceType: "t3.micro" },
      // Leases of seconds, below the pool's default shortest, to measure the overrun quickly.
      limits: { minDurationHours: 0.001, minIdleHours: 0.001 },
    });
    const leaseOf = new Map<string, number>();
    for (let i = 0; i < ANNEXES; i++) {
      const { annex } = await call("POST", "/annexes", {
        name: `overrun-${i}`,
        clientToken: `overrun-${i}-${scenario.simulate}`,
        count: INSTANCES_PER_ANNEX,
        durationHours: LEASE_HOURS,
        idleHours: LEASE_HOURS,
        owners: ["bench"],
      });
      for (const instance of annex.instances)
        leaseOf.set(instance.id, Date.parse(annex.leaseExpiresAt));
    }
    const deadline = Date.now() + GIVE_UP_MS;
    while (Date.now() < deadline && [...leaseOf.keys()].some((id) => !leftRunning.has(id))) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return [...leaseOf].map(([id, lease]) => ((leftRunning.get(id) ?? Number.NaN) - lease) / 1000);
  } finally {
    await stack.stop();
  }
}
