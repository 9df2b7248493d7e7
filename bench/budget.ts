/**
 * Budget overshoot: annexes with dollar budgets on a local stack with the enforcer alone (the
 * instances never bootstrap, so no on-instance timer helps). Per annex: its budget, the final
 * cost the service recorded, the cost measured from the EC2 emulator's own events (launch to
 * shutting-down, per second with the 60 s minimum, at the emulator's prices) and the overshoot
 * of that measured cost over the budget. Goal: overshoot ≤ one tick's burn (the enforcer ticks
 * every TICK_SECONDS here, every 60 s in AWS).
 */

import { startLocalStack } from "../local/stack.ts";
import { benchApi } from "./_api.ts";
import { printTable } from "./_table.ts";

const TICK_SECONDS = 5;
const GIVE_UP_MS = 240_000;

/** Annexes whose budgets run out within a couple of minutes of wall time. */
const ANNEXES = [
  { name: "budget-a", instanceType: "m5.24xlarge", count: 2, budgetUsd: 0.2 },
  { name: "budget-b", instanceType: "c5.9xlarge", count: 4, budgetUsd: 0.15 },
  { name: "budget-c", instanceType: "m5.8xlarge", count: 1, budgetUsd: 0.05 },
];

interface AnnexAnswer {
  annex: {
    id: string;
    state: string;
    endReason?: string;
    instances: Array<{ id: string }>;
    cost?: { spentUsd: number };
  };
}

export async function run(): Promise<void> {
  const stack = await startLocalStack({
    admins: ["bench"],
    awsPort: 0,
    apiPort: 0,
    inMemory: true,
    tickSeconds: TICK_SECONDS,
    ec2: { delays: { pendingMs: 500, shuttingDownMs: 500 } },
    simulateInstances: false,
  });
  const launched = new Map<string, number>();
  const stopped = new Map<string, number>();
  stack.aws.ec2.onEvent((event) => {
    const { "instance-id": id, state } = event.detail as { "instance-id"?: string; state?: string };
    if (id && state === "pending" && !launched.has(id)) launched.set(id, Date.now());
    if (id && state === "shutting-down" && !stopped.has(id)) stopped.set(id, Date.now());
  });
  const call = benchApi<AnnexAnswer>(stack.apiUrl);

  try {
    await call("POST", "/setup", {
      collectorHost: "cm.example.org",
      allowCidr: "10.0.0.0/8",
      poolPassword: "bench-password",
      defaults: { imageId: "ami-0123456789abcdef0" },
    });
    const ids = new Map<string, string[]>();
    for (const spec of ANNEXES) {
      const { annex } = await call("POST", "/annexes", {
        ...spec,
        clientToken: spec.name,
        durationHours: 1,
        idleHours: 1,
        owners: ["bench"],
      });
      ids.set(
        spec.name,
        annex.instances.map((i) => i.id),
      );
    }
    const all = [...ids.values()].flat();
    const deadline = Date.now() + GIVE_UP_MS;
    while (Date.now() < deadline && all.some((id) => !stopped.has(id)))
      await new Promise((resolve) => setTimeout(resolve, 250));
    await new Promise((resolve) => setTimeout(resolve, 2 * TICK_SECONDS * 1000)); // the end is recorded
    const rows: string[][] = [];
    for (const spec of ANNEXES) {
      const { annex } = await call("GET", `/annexes/${spec.name}`);
      const price = stack.aws.ec2.control.onDemandPrice(spec.instanceType);
      const measured = (ids.get(spec.name) ?? []).reduce((usd, id) => {
        const seconds = ((stopped.get(id) ?? Number.NaN) - (launched.get(id) ?? Number.NaN)) / 1000;
        return usd + (price * Math.max(60, seconds)) / 3600;
      }, 0);
      const burn = price * spec.count;
      const goal = (burn * TICK_SECONDS) / 3600;
      const overshoot = measured - spec.budgetUsd;
      rows.push([
        spec.name,
        `${spec.count} × ${spec.instanceType}`,
        burn.toFixed(3),
        spec.budgetUsd.toFixed(4),
        (annex.cost?.spentUsd ?? Number.NaN).toFixed(4),
        measured.toFixed(4),
        overshoot.toFixed(4),
        goal.toFixed(4),
        `${annex.state}/${annex.endReason ?? "-"}`,
        overshoot <= goal ? "ok" : "MISSED",
      ]);
    }
    printTable(
      [
        "annex",
        "instances",
        "burn $/h",
        "budget $",
        "final cost $",
        "measured $",
        "overshoot $",
        "goal ≤ $",
        "ended",
        "goal",
      ],
      rows,
      [0, 1, 8, 9],
    );
    process.stdout.write(
      `goal: overshoot ≤ one tick's burn (tick ${TICK_SECONDS} s here, 60 s in AWS)\n`,
    );
  } finally {
    await stack.stop();
  }
}
