/**
 * In-memory fakes of the enforcer's ports: the table (annexes with versions, instance records
 * with their deadlines, the audit trail, the sweep marks) and EC2 (instances with tags and
 * states, call counts, injectable failures). Same conditional-write rules as the adapters.
 */

import type { Annex, AnnexEvent, AnnexInstance } from "../../../shared/domain/annex.ts";
import { annexDueAt } from "../../../shared/domain/budget.ts";
import { TerminateRefusedError } from "../../../shared/domain/launch-errors.ts";
import { nextDeadline } from "../../../shared/domain/lease.ts";
import { StaleAnnexError, StaleInstanceError } from "../../../shared/domain/stale.ts";
import { ANNEX_TAG_KEYS, launchTags } from "../../../shared/domain/tags.ts";
import type { EnforcePorts, SweepPorts } from "../../../shared/enforcement/ports.ts";
import type { DueBatch, DueWork } from "../../../shared/ports/due-work.ts";
import type { Ec2Filter, Ec2Instance } from "../../../shared/ports/ec2.ts";
import type { FleetLaunchRequest, FleetLaunchResult } from "../../../shared/ports/ec2-fleets.ts";
import type { SweepMarks } from "../../../shared/ports/repositories.ts";
import { FakePrices } from "../../support/fake-prices.ts";

const page = <T>(items: T[], limit: number, startKey?: Record<string, unknown>) => {
  const from = typeof startKey?.index === "number" ? startKey.index : 0;
  const slice = items.slice(from, from + limit);
  const next = from + limit < items.length ? { index: from + limit } : undefined;
  return { slice, next };
};

/** The table: annexes, instance records, events, sweep marks. */
/** The stage the fake ports run in. */
export const STAGE = "test";

export class FakeTable {
  readonly annexes = new Map<string, Annex>();
  readonly records = new Map<string, AnnexInstance>();
  readonly events: AnnexEvent[] = [];
  marks: SweepMarks = {};
  lock: { holder: string; until: number } | undefined;
  /** Index items read (as the adapters count them). */
  itemsRead = 0;

  readonly annexPort: EnforcePorts["annexes"] = {
    getAnnex: async (id) => structuredClone(this.annexes.get(id)),
    saveAnnex: async (annex, now) => {
      const stored = this.annexes.get(annex.id);
      if (stored === undefined || stored.version !== annex.version)
        throw new StaleAnnexError(annex.id);
      const next = { ...annex, version: annex.version + 1, updatedAt: now };
      this.annexes.set(annex.id, structuredClone(next));
      return next;
    },
    dueAnnexes: async (now, limit, startKey) => {
      const due = [...this.annexes.values()]
        .filter((annex) => annex.state !== "ended" && annexDueAt(annex) <= now)
        .sort((a, b) => annexDueAt(a) - annexDueAt(b));
      const { slice, next } = page(due, limit, startKey);
      this.itemsRead += slice.length;
      return { items: structuredClone(slice), itemsRead: slice.length, next };
    },
    liveAnnexes: async (limit, startKey) => {
      const live = [...this.annexes.values()].filter((annex) => annex.state !== "ended");
      const { slice, next } = page(live, limit, startKey);
      this.itemsRead += slice.length;
      return { items: structuredClone(slice), itemsRead: slice.length, next };
    },
    sweepMarks: async () => ({ ...this.marks }),
    advanceSweepMark: async (mark, at) => {
      if ((this.marks[mark] ?? Number.NEGATIVE_INFINITY) < at) this.marks[mark] = at;
    },
    takeSweepLock: async (holder, now, until) => {
      if (this.lock !== undefined && this.lock.until >= now && this.lock.holder !== holder)
        return false;
      this.lock = { holder, until };
      return true;
    },
    releaseSweepLock: async (holder) => {
      if (this.lock?.holder === holder) this.lock = undefined;
    },
  };

  readonly instancePort: EnforcePorts["instances"] = {
    saveInstance: async (instance) => {
      const key = `${instance.annexId} ${instance.instanceId}`;
      if (this.records.get(key)?.version !== instance.version) {
        throw new StaleInstanceError(instance.instanceId);
      }
      const next = { ...instance, version: instance.version + 1 };
      this.records.set(key, structuredClone(next));
      return next;
    },
    getInstance: async (annexId, instanceId) =>
      structuredClone(this.records.get(`${annexId} ${instanceId}`)),
    annexIdOf: async (instanceId) =>
      [...this.records.values()].find((record) => record.instanceId === instanceId)?.annexId,
    listInstances: async (annexId) =>
      structuredClone([...this.records.values()].filter((record) => record.annexId === annexId)),
    listInstancesConsistent: async (annexId) =>
      structuredClone([...this.records.values()].filter((record) => record.annexId === annexId)),
    dueInstances: async (now, limit, startKey) => {
      const due = [...this.records.values()]
        .filter((record) => (nextDeadline(record) ?? Number.POSITIVE_INFINITY) <= now)
        .sort((a, b) => (nextDeadline(a) ?? 0) - (nextDeadline(b) ?? 0));
      const { slice, next } = page(due, limit, startKey);
      this.itemsRead += slice.length;
      return { items: structuredClone(slice), itemsRead: slice.length, next };
    },
    appendEvent: async (event) => {
      this.events.push(structuredClone(event));
    },
    addInstances: async (instances) => {
      for (const instance of instances) {
        const key = `${instance.annexId} ${instance.instanceId}`;
        if (!this.records.has(key)) this.records.set(key, structuredClone(instance));
      }
    },
  };

  /** The audit entry types of one annex, oldest first. */
  eventTypes(annexId: string): string[] {
    return this.events.filter((event) => event.annexId === annexId).map((event) => event.type);
  }

  record(annexId: string, instanceId: string): AnnexInstance | undefined {
    return this.records.get(`${annexId} ${instanceId}`);
  }
}

interface FakeInstance {
  id: string;
  state: string;
  tags: Record<string, string>;
  launchedAt: number;
}

/** EC2 with tagged instances; `fail` makes the next calls of an action throw. */
export class FakeEc2 {
  readonly instances = new Map<string, FakeInstance>();
  readonly calls: Record<string, number> = {};
  readonly terminateBatches: string[][] = [];
  /** Ids EC2 refuses to terminate; a batch holding one fails whole (UnauthorizedOperation). */
  readonly refuse = new Set<string>();
  private failures: Array<{ action: string; error: Error }> = [];
  private seq = 0;

  /** Starts `count` running instances tagged for `annex` (in this stage, unless told). */
  run(
    annex: Pick<Annex, "id" | "name" | "owner" | "leaseExpiresAt" | "tags">,
    count: number,
    launchedAt = 0,
    stage = STAGE,
  ) {
    return Array.from({ length: count }, () => {
      const id = `i-${(++this.seq).toString(16).padStart(17, "0")}`;
      const tags = Object.fromEntries(launchTags(annex, stage).map((tag) => [tag.Key, tag.Value]));
      this.instances.set(id, { id, state: "running", tags, launchedAt });
      return id;
    });
  }

  /** The next `count` calls of `action` throw `error`. */
  fail(action: string, error: Error, count = 1): void {
    for (let i = 0; i < count; i++) this.failures.push({ action, error });
  }

  state(id: string): string | undefined {
    return this.instances.get(id)?.state;
  }

  private call(action: string): void {
    this.calls[action] = (this.calls[action] ?? 0) + 1;
    const index = this.failures.findIndex((failure) => failure.action === action);
    const failure = this.failures[index];
    if (failure !== undefined) {
      this.failures.splice(index, 1);
      throw failure.error;
    }
  }

  private view = (instance: FakeInstance): Ec2Instance => ({
    id: instance.id,
    type: "m5.large",
    state: instance.state,
    launchedAt: instance.launchedAt,
    tags: { ...instance.tags },
  });

  private matches(instance: FakeInstance, filters: Ec2Filter[]) {
    return filters.every(({ Name, Values }) => {
      const patterns = Values.map(
        (value) =>
          new RegExp(`^${value.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`),
      );
      const test = (value: string | undefined) =>
        value !== undefined && patterns.some((p) => p.test(value));
      if (Name === "tag-key") return Object.keys(instance.tags).some(test);
      if (Name === "instance-state-name") return test(instance.state);
      if (Name === "instance-id") return test(instance.id);
      if (Name.startsWith("tag:")) return test(instance.tags[Name.slice(4)]);
      throw new Error(`filter ${Name} is not faked`);
    });
  }

  readonly port: EnforcePorts["ec2"] = {
    tag: async (ids, tags) => {
      this.call("CreateTags");
      for (const id of ids) {
        const instance = this.instances.get(id);
        if (instance) for (const tag of tags) instance.tags[tag.Key] = tag.Value;
      }
    },
    findByAnnex: async (annexId) => {
      this.call("DescribeInstances");
      return [...this.instances.values()]
        .filter((i) => i.tags[ANNEX_TAG_KEYS.id] === annexId)
        .map(this.view);
    },
    findTagged: async (states, extra = []) => {
      this.call("DescribeInstances");
      const filters = [
        { Name: "tag-key", Values: [ANNEX_TAG_KEYS.id] },
        { Name: "instance-state-name", Values: [...states] },
        ...extra,
      ];
      return [...this.instances.values()].filter((i) => this.matches(i, filters)).map(this.view);
    },
    byIds: async (ids) => {
      this.call("DescribeInstances");
      return ids.flatMap((id) => {
        const instance = this.instances.get(id);
        return instance ? [this.view(instance)] : [];
      });
    },
    terminate: async (ids) => {
      this.call("TerminateInstances");
      if (ids.some((id) => this.refuse.has(id)))
        throw new TerminateRefusedError("UnauthorizedOperation");
      this.terminateBatches.push([...ids]);
      for (const id of ids) {
        const instance = this.instances.get(id);
        if (instance && instance.state !== "terminated") instance.state = "shutting-down";
      }
      return Math.ceil(ids.length / 1000);
    },
  };
}

/**
 * Instant EC2 Fleets over a FakeEc2: each launch fills its target from the first override whose
 * pool is not `short` (instances tagged for the annex named in the fleet tags); calls are kept.
 */
export class FakeEc2Fleets {
  readonly launches: FleetLaunchRequest[] = [];
  readonly deleted: string[] = [];
  /** Pools (`market/type/zone-subnet`) with no capacity. */
  readonly short = new Set<string>();
  private readonly byToken = new Map<string, FleetLaunchResult>();

  constructor(private readonly ec2: FakeEc2) {}

  readonly port: EnforcePorts["ec2Fleets"] = {
    launch: async (request) => {
      this.launches.push(structuredClone(request));
      const replay = this.byToken.get(request.clientToken);
      if (replay) return replay;
      const open = request.overrides.find(
        (o) => !this.short.has(`${request.market}/${o.instanceType}/${o.subnetId}`),
      );
      const result: FleetLaunchResult = {
        fleetId: `fleet-${this.launches.length}`,
        instances: [],
        errors: [],
      };
      if (open === undefined) {
        result.errors.push({
          market: request.market,
          code: "InsufficientInstanceCapacity",
          message: "no capacity",
        });
      } else {
        const tags = Object.fromEntries(request.fleetTags.map((t) => [t.Key, t.Value]));
        const annex = {
          id: tags["annex:id"] ?? "",
          name: tags["annex:name"] ?? "",
          owner: "",
          leaseExpiresAt: 0,
          tags: {},
        };
        const count = Math.ceil(request.targetCapacity / (open.weight ?? 1));
        for (const instanceId of this.ec2.run(annex, count))
          result.instances.push({
            instanceId,
            instanceType: open.instanceType ?? "m5.large",
            subnetId: open.subnetId,
            market: request.market,
          });
      }
      this.byToken.set(request.clientToken, result);
      return result;
    },
    findByAnnex: async () => [],
    delete: async (ids) => {
      this.deleted.push(...ids);
    },
  };
}

/** The due-work queue: what the sweep sent; `fail` makes the next dispatch throw. */
export class FakeDueWork implements DueWork {
  readonly sent: DueBatch[] = [];
  deadLetterCount = 0;
  failNext = false;
  constructor(public inlineLimit = 100) {}
  async dispatch(batches: readonly DueBatch[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error("SQS is down");
    }
    this.sent.push(...structuredClone([...batches]));
  }
  async deadLetters(): Promise<number> {
    return this.deadLetterCount;
  }
}

/**
 * Ports over a fake table, fake EC2 (instances and fleets), a fake due-work queue and fake
 * prices; warnings are collected.
 */
export function fakePorts(
  table = new FakeTable(),
  ec2 = new FakeEc2(),
  fleets = new FakeEc2Fleets(ec2),
  dueWork = new FakeDueWork(),
  prices = new FakePrices(),
) {
  const warnings: Array<{ message: string; fields: Record<string, unknown> }> = [];
  const ports: SweepPorts = {
    dueWork,
    annexes: table.annexPort,
    claims: { releaseName: async () => undefined },
    instances: table.instancePort,
    ec2: ec2.port,
    fleets: { cancel: async () => undefined },
    ec2Fleets: fleets.port,
    launchTemplates: { delete: async () => undefined },
    catalog: {
      instanceTypes: async (types) =>
        types.map((instanceType) => ({ instanceType, vcpus: 2, memoryMiB: 8192 })),
    },
    capacityMemory: { recent: async () => [], remember: async () => undefined },
    store: { deleteBundle: async () => undefined },
    stage: STAGE,
    prices: prices.ports,
    watch: prices.watch,
    log: { warn: (message, fields = {}) => warnings.push({ message, fields }) },
  };
  return { ports, table, ec2, fleets, dueWork, prices, warnings };
}

/** An annex (live, `running`) with the given overrides. */
export function anAnnex(overrides: Partial<Annex> = {}): Annex {
  const id = overrides.id ?? `01ANNEX${Math.random().toString(36).slice(2, 12).toUpperCase()}`;
  return {
    id,
    name: `annex-${id.slice(-6)}`,
    owner: "arn:aws:iam::000000000000:user/alice",
    kind: "on-demand",
    state: "running",
    requestedCount: 1,
    instanceType: "m5.large",
    imageId: "ami-0123456789abcdef0",
    securityGroupIds: [],
    owners: ["alice"],
    noOwner: false,
    tags: {},
    leaseExpiresAt: 10_000,
    idleTimeoutSeconds: 900,
    bootGraceSeconds: 900,
    clientToken: "token",
    requestHash: "hash",
    configKey: `annexes/${id}/config.tar.gz`,
    createdAt: 0,
    updatedAt: 0,
    version: 1,
    ...overrides,
  };
}

/**
 * Stores `annex` with `count` running instances in EC2 and recorded (bootstrapped at
 * `bootstrappedAt` unless it is null); returns the instance ids.
 */
export function seed(
  table: FakeTable,
  ec2: FakeEc2,
  annex: Annex,
  count: number,
  record: Omit<Partial<AnnexInstance>, "bootstrappedAt"> & { bootstrappedAt?: number | null } = {},
): string[] {
  table.annexes.set(annex.id, structuredClone(annex));
  const ids = ec2.run(annex, count);
  const { bootstrappedAt = 100, ...rest } = record;
  for (const instanceId of ids) {
    const base: AnnexInstance = {
      annexId: annex.id,
      instanceId,
      instanceType: "m5.large",
      ec2State: "running",
      launchedAt: 0,
      bootDeadline: annex.bootGraceSeconds,
      version: 1,
    };
    const bootstrapped =
      bootstrappedAt === null
        ? {}
        : { bootstrappedAt, idleDeadline: bootstrappedAt + annex.idleTimeoutSeconds };
    table.records.set(`${annex.id} ${instanceId}`, { ...base, ...bootstrapped, ...rest });
  }
  return ids;
}
