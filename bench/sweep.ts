/**
 * Enforcement cost: one enforcer sweep over the local AWS seeded with many live annexes and
 * instances, 1% of them due (1% of annexes past their lease, 1% of instances idle past their
 * deadline), at 1,000, 50,000 and 100,000 live instances; then the tick after (nothing due) and
 * the hourly full orphan sweep. It prints the items the sweep read from the sparse indexes, every
 * item DynamoDB returned, DynamoDB requests, EC2 calls and wall time: reads and calls follow what
 * is due, not what is live.
 *
 * Seeding: DynamoDB with BatchWriteItem (5 instance records per annex). In EC2, every instance the
 * sweep must act on (those of due annexes) is launched and tagged per annex; the rest of the live
 * population is a background of tagged running instances launched 1,000 per call, up to what the
 * emulator's default VPC holds (six /20 subnets, about 24,000 addresses: 12,000 background). The per-tick sweep never
 * asks EC2 about instances that are not due, so its calls do not depend on that background.
 * Only the local AWS runs (no API, no EC2 event routing): the sweep alone is measured.
 */

import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { type EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { startLocalAws } from "../local/aws/server.ts";
import { readServiceDefinition } from "../local/runner/service-definition.ts";
import {
  annexItem,
  DUE_SHARD,
  instanceKey,
  instanceLookupKey,
} from "../shared/adapters/aws/table-keys.ts";
import type { Annex, AnnexInstance } from "../shared/domain/annex.ts";
import { nextDeadline } from "../shared/domain/lease.ts";
import { launchTags } from "../shared/domain/tags.ts";
import type { SweepPorts } from "../shared/enforcement/ports.ts";
import type { SweepReport } from "../shared/enforcement/report.ts";

const INSTANCES_PER_ANNEX = 5;
/** Live instances at each step (annexes are a fifth of that); ANNEX_BENCH_SCALES=1000,5000 overrides. */
const SCALES = [1_000, 50_000, 100_000];
const scales = () => process.env.ANNEX_BENCH_SCALES?.split(",").map(Number) ?? SCALES;
const DUE_FRACTION = 0.01;
/** Background instances in EC2: the default VPC's subnets hold about 24,000, due instances need the rest. */
const EC2_BACKGROUND_CAP = 12_000;
const ZONES = ["a", "b", "c", "d", "e", "f"].map((letter) => `us-east-1${letter}`);
/** A step whose seeding takes longer than this is the last one run (the bench says so). */
const SEED_LIMIT_MS = 5 * 60_000;
/** The enforcer's budget in serverless.yml (ANNEX_SWEEP_BUDGET_MS). */
const BUDGET_MS = 45_000;
const TABLE = "cloud-annex-bench";
const STAGE = "bench";
const OWNER = "arn:aws:iam::000000000000:user/bench";
const IMAGE = "ami-0123456789abcdef0";

interface Tally {
  dynamoRequests: number;
  dynamoItems: number;
  ec2: Record<string, number>;
}

export async function run(): Promise<void> {
  const aws = await startLocalAws({
    port: 0,
    inMemory: true,
    ec2: { delays: { pendingMs: 0, shuttingDownMs: 0 } },
  });
  try {
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: aws.endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "bench",
      AWS_SECRET_ACCESS_KEY: "bench",
      ANNEX_TABLE: TABLE,
      ANNEX_BUCKET: "cloud-annex-bench-config",
      ANNEX_STAGE: STAGE,
      POWERTOOLS_LOG_LEVEL: "ERROR",
    });
    const { dynamoDb } = await import("../shared/adapters/aws/dynamodb-client.ts");
    const { ec2, ec2ForSweeps } = await import("../shared/adapters/aws/ec2-client.ts");
    const storage = await import("../shared/composition/storage.ts");
    const { enforcePorts } = await import("../shared/composition/enforcement.ts");
    const { runSweep } = await import("../shared/enforcement/sweep.ts");
    await createTable(dynamoDb);
    aws.ec2.control.setThrottling(false);
    const tally = countCalls(dynamoDb, ec2ForSweeps);
    const seeder = new Seeder(dynamoDb, ec2);
    // The sweep's own cost per due item: it ends every due annex itself here (in a tick with more
    // than 100, it would hand them to the end-annexes workers; bench/mass-expiry measures that).
    const ports: SweepPorts = {
      ...enforcePorts,
      dueWork: {
        inlineLimit: Number.POSITIVE_INFINITY,
        dispatch: async () => {
          throw new Error("the sweep bench ends every due annex inline");
        },
        deadLetters: async () => 0,
      },
    };
    const rows: string[][] = [];
    const notes: string[] = [];

    const measure = async (step: string, due: string, full = false): Promise<SweepReport> => {
      const now = Math.floor(Date.now() / 1000);
      const marks = storage.annexRepository;
      await marks.advanceSweepMark("tagSweepAt", now - 60);
      if (!full) await marks.advanceSweepMark("fullSweepAt", now - 60);
      const live = [seeder.annexes, seeder.instances];
      reset(tally);
      const started = performance.now();
      const report = await runSweep(ports, {
        now: full ? now + 3600 : now,
        timeLeft: () => BUDGET_MS - (performance.now() - started),
      });
      const ms = performance.now() - started;
      const calls = Object.entries(tally.ec2).map(
        ([name, n]) => `${name.replace(/(Instances)?Command$/, "")} ${n}`,
      );
      rows.push([
        step,
        ...live.map((n) => n.toLocaleString("en-US")),
        due,
        String(report.itemsRead),
        String(tally.dynamoItems),
        String(tally.dynamoRequests),
        `${Object.values(tally.ec2).reduce((a, b) => a + b, 0)} (${calls.join(", ") || "none"})`,
        ms.toFixed(0),
        report.complete ? "yes" : "no",
      ]);
      seeder.forget(report);
      return report;
    };

    for (const scale of scales()) {
      const seedStarted = performance.now();
      const annexes = scale / INSTANCES_PER_ANNEX;
      const leaseDue = Math.max(1, Math.round(annexes * DUE_FRACTION));
      const idleDue = Math.max(1, Math.round(scale * DUE_FRACTION));
      const idleAnnexes = Math.min(idleDue, annexes - seeder.annexes - leaseDue);
      await seeder.add(idleAnnexes, "idle-due");
      await seeder.add(annexes - seeder.annexes - leaseDue, "live");
      await seeder.add(leaseDue, "lease-due");
      await seeder.background(Math.min(EC2_BACKGROUND_CAP, scale));
      const seedMs = performance.now() - seedStarted;
      const label = `${scale.toLocaleString("en-US")} instances`;
      notes.push(
        `${label}: seeded in ${(seedMs / 1000).toFixed(0)} s; EC2 holds ${seeder.ec2Running.toLocaleString("en-US")} running tagged instances`,
      );
      await measure(label, `${leaseDue} leases + ${idleAnnexes} idle`);
      await measure("  next tick", "nothing");
      if (seedMs > SEED_LIMIT_MS && scale !== scales().at(-1)) {
        notes.push(
          `stopped after ${label}: seeding took over ${SEED_LIMIT_MS / 60_000} min, so larger steps were not run`,
        );
        break;
      }
    }
    await measure("  hourly full orphan sweep", "nothing", true);
    print(rows, notes);
  } finally {
    await aws.stop();
  }
}

/** The table as serverless.yml declares it. */
async function createTable(db: DynamoDBDocumentClient): Promise<void> {
  const { AttributeDefinitions, KeySchema, GlobalSecondaryIndexes, BillingMode } =
    readServiceDefinition("serverless.yml").tableProperties as never;
  await db.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions,
      KeySchema,
      GlobalSecondaryIndexes,
      BillingMode,
    }),
  );
}

type Kind = "live" | "lease-due" | "idle-due";

/** Seeds annexes (5 instance records each) in DynamoDB, and what the sweep will touch in EC2. */
class Seeder {
  annexes = 0;
  instances = 0;
  ec2Running = 0;
  private seq = 0;
  private backgroundLaunched = 0;
  private readonly perZone: Record<string, number> = {};
  private readonly now = Math.floor(Date.now() / 1000);

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly ec2: EC2Client,
  ) {}

  /** Adds `count` annexes: live; with the lease over; or live with its first instance idle past its deadline. */
  async add(count: number, kind: Kind): Promise<void> {
    const items: Record<string, unknown>[] = [];
    const annexes = Array.from({ length: count }, () => this.annex(kind === "lease-due"));
    await forEachLimited(annexes, 8, async (annex) => {
      const due = kind !== "live";
      const ids = due ? await this.launch(annex) : annexIds(annex.id);
      items.push(annexItem(annex));
      ids.forEach((instanceId, i) => {
        items.push(instanceItem(this.record(annex, instanceId, kind === "idle-due" && i === 0)));
        if (due) items.push({ ...instanceLookupKey(instanceId), annexId: annex.id });
      });
    });
    const batches = Array.from({ length: Math.ceil(items.length / 25) }, (_, i) =>
      items.slice(i * 25, i * 25 + 25),
    );
    await forEachLimited(batches, 8, (batch) => this.write(batch));
    this.annexes += count;
    this.instances += count * INSTANCES_PER_ANNEX;
  }

  /** Tops the background of running tagged instances (of one live annex) up to `target`, 1,000 per call. */
  async background(target: number): Promise<void> {
    if (this.backgroundLaunched === 0) {
      const annex = this.annex(false);
      await this.write([annexItem(annex)]);
      this.backgroundAnnex = annex;
    }
    while (this.backgroundLaunched < target) {
      const count = Math.min(1000, target - this.backgroundLaunched);
      await this.launch(this.backgroundAnnex as Annex, count);
      this.backgroundLaunched += count;
    }
  }

  private backgroundAnnex?: Annex;

  /** Takes what a sweep ended out of the live counts. */
  forget(report: SweepReport): void {
    const closed =
      Object.values(report.instancesTerminated).reduce((a, b) => a + b, 0) + report.instancesGone;
    this.annexes -= report.annexesEnded;
    this.instances -= closed;
    this.ec2Running -= closed;
  }

  private annex(leaseOver: boolean): Annex {
    const n = ++this.seq;
    return {
      id: `01BENCH${String(n).padStart(19, "0")}`,
      name: `bench-${n}`,
      owner: OWNER,
      kind: "on-demand",
      state: "running",
      requestedCount: INSTANCES_PER_ANNEX,
      instanceType: "m5.large",
      imageId: IMAGE,
      securityGroupIds: [],
      owners: ["bench"],
      noOwner: false,
      tags: {},
      leaseExpiresAt: leaseOver ? this.now - 10 : this.now + 2 * 86_400,
      idleTimeoutSeconds: 900,
      bootGraceSeconds: 900,
      clientToken: `bench-${n}`,
      requestHash: "0".repeat(64),
      configKey: "",
      createdAt: this.now - 3600,
      updatedAt: this.now - 3600,
      version: 1,
    };
  }

  private record(annex: Annex, instanceId: string, idle: boolean): AnnexInstance {
    return {
      annexId: annex.id,
      instanceId,
      instanceType: annex.instanceType,
      ec2State: "running",
      launchedAt: this.now - 3600,
      bootstrappedAt: this.now - 3500,
      lastHeartbeatAt: this.now - 30,
      activity: idle ? "idle" : "busy",
      lastBusyAt: idle ? this.now - 3500 : this.now - 30,
      idleDeadline: idle ? this.now - 10 : this.now + 86_400,
      version: 1,
    };
  }

  private async launch(annex: Annex, count = INSTANCES_PER_ANNEX): Promise<string[]> {
    // The zone with the fewest launches so far: each default subnet is a /20 (about 4,000 addresses).
    const zone = ZONES.reduce((least, z) =>
      (this.perZone[z] ?? 0) < (this.perZone[least] ?? 0) ? z : least,
    );
    this.perZone[zone] = (this.perZone[zone] ?? 0) + count;
    const result = await this.ec2.send(
      new RunInstancesCommand({
        ImageId: IMAGE,
        InstanceType: "m5.large",
        MinCount: count,
        MaxCount: count,
        InstanceInitiatedShutdownBehavior: "terminate",
        Placement: { AvailabilityZone: zone },
        TagSpecifications: [{ ResourceType: "instance", Tags: launchTags(annex, STAGE) }],
      }),
    );
    this.ec2Running += count;
    return (result.Instances ?? []).map((instance) => instance.InstanceId ?? "");
  }

  private async write(items: Record<string, unknown>[]): Promise<void> {
    let requests = items.map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const result = await this.db.send(
        new BatchWriteCommand({ RequestItems: { [TABLE]: requests } }),
      );
      requests = (result.UnprocessedItems?.[TABLE] ?? []) as typeof requests;
    }
  }
}

/** Instance ids for records with no EC2 counterpart (live, not due: the sweep never asks EC2 about them). */
const annexIds = (annexId: string) =>
  Array.from(
    { length: INSTANCES_PER_ANNEX },
    (_, i) => `i-${annexId.slice(-15).toLowerCase()}${i}`,
  );

/** The instance item as InstanceRepository writes it, with its next deadline. */
function instanceItem(instance: AnnexInstance) {
  const dueAt = nextDeadline(instance);
  return {
    ...instanceKey(instance.annexId, instance.instanceId),
    ...instance,
    ...(dueAt === undefined ? {} : { dueShard: DUE_SHARD, dueAt }),
  };
}

async function forEachLimited<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** Counts calls per EC2 action, and DynamoDB requests and the items they returned. */
function countCalls(dynamoDb: DynamoDBDocumentClient, ec2: EC2Client): Tally {
  const tally: Tally = { dynamoRequests: 0, dynamoItems: 0, ec2: {} };
  dynamoDb.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const output = result.output as { Count?: number; Item?: unknown };
      tally.dynamoRequests += 1;
      if (typeof output.Count === "number") tally.dynamoItems += output.Count;
      else if (output.Item !== undefined) tally.dynamoItems += 1;
      return result;
    },
    { step: "initialize", name: "benchDynamoCounter" },
  );
  ec2.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? "?";
      tally.ec2[name] = (tally.ec2[name] ?? 0) + 1;
      return next(args);
    },
    { step: "initialize", name: "benchEc2Counter" },
  );
  return tally;
}

function reset(tally: Tally): void {
  tally.dynamoRequests = 0;
  tally.dynamoItems = 0;
  tally.ec2 = {};
}

function print(rows: string[][], notes: string[]): void {
  const header = [
    "sweep",
    "live annexes",
    "live instances",
    "due",
    "index items",
    "items read",
    "DynamoDB req",
    "EC2 calls",
    "wall ms",
    "done",
  ];
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((cells) => (cells[i] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) =>
        i === 0 || i === 7 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0),
      )
      .join("  ");
  process.stdout.write(`${line(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n`);
  for (const cells of rows) process.stdout.write(`${line(cells)}\n`);
  process.stdout.write(
    [
      "",
      "index items: items the sweep read from the sparse indexes (live-by-deadline, instances-by-deadline; the",
      "  live-annex index on the hourly full sweep). items read: every item any DynamoDB call returned (fresh",
      "  copies of due items, instance lists, the marks item). due: annexes past their lease + instances idle past",
      "  their deadline. done: the sweep finished within its 45 s budget (else the rest waits for the next tick).",
      "Local figures: dynalite and the EC2 emulator run in this process; wall ms compares runs, it is not AWS latency.",
      ...notes,
      "",
    ].join("\n"),
  );
}
