/**
 * EC2 Fleet annexes (kind `fleet`): what was asked — capacity in vCPUs or instances, instance
 * types or vCPU/memory ranges, the spot share and its on-demand fallback — and the pools
 * (type × zone × market) capacity comes from. Pure rules; the use-cases act on them.
 */

import { isCapacityCode } from "./launch-errors.ts";

/** Where an instance's capacity is bought. */
export const MARKETS = ["spot", "on-demand"] as const;
/** One of MARKETS. */
export type Market = (typeof MARKETS)[number];

/** A pool of capacity: one instance type in one Availability Zone, on one market. */
export interface Pool {
  instanceType: string;
  availabilityZone: string;
  market: Market;
}

/** A pool's capacity errors are remembered this long, and the pool skipped meanwhile (Karpenter: 3 min). */
export const CAPACITY_ERROR_MEMORY_SECONDS = 180;

/** EC2 Fleet's limit on launch template overrides per fleet. */
export const MAX_FLEET_OVERRIDES = 300;

/** The subnet a fleet launches into in one Availability Zone. */
export interface FleetSubnet {
  subnetId: string;
  availabilityZone: string;
}

/** Attribute-based selection: a vCPU range and, optionally, a memory-per-vCPU range (GiB). */
export interface FleetRequirements {
  vcpus: { min: number; max?: number };
  memoryPerVcpuGiB?: { min?: number; max?: number };
}

/** What a fleet annex asked for; stored on the annex, so a resumed create sends the same requests. */
export interface FleetAsk {
  /** `vcpu`: capacity counts each instance by its vCPUs; `instance`: one per instance. */
  capacityUnit: "vcpu" | "instance";
  targetCapacity: number;
  /** Explicit instance types with the capacity each instance counts for (its weight). */
  weights?: Record<string, number>;
  /** Attribute-based selection instead of explicit types. */
  requirements?: FleetRequirements;
  /** Share of the capacity asked on spot (0–100); the rest on demand. */
  spotPercent: number;
  /** Whether what spot cannot fill is asked on demand (false: `-spot`, spot only). */
  onDemandFallback: boolean;
  /** Whether an interrupted spot instance is replaced (condor_annex: never). */
  replaceInterrupted: boolean;
  /** One subnet per Availability Zone of the pool's VPC. */
  subnets: FleetSubnet[];
  /** Pools remembered failing for want of capacity when the annex was created: left out of its launch. */
  skippedPools: Pool[];
}

/** Units of capacity asked, given and fallen back, per market. */
export interface FleetOutcome {
  asked: Record<Market, number>;
  got: Record<Market, number>;
  /** Capacity asked on demand because spot was short. */
  fellBack: number;
  /** What each pool gave: instances and the capacity they count for. */
  pools: Array<Pool & { instances: number; capacity: number }>;
  /** Pools EC2 could not fill, with its error code. */
  failedPools: Array<Pool & { code: string }>;
}

/** Instances (with the capacity each counts for) summed up per pool, the largest first. */
export function byPool(
  instances: ReadonlyArray<Pool & { units: number }>,
): Array<Pool & { instances: number; capacity: number }> {
  const pools = new Map<string, Pool & { instances: number; capacity: number }>();
  for (const { instanceType, availabilityZone, market, units } of instances) {
    const pool = { instanceType, availabilityZone, market };
    const held = pools.get(poolKey(pool)) ?? { ...pool, instances: 0, capacity: 0 };
    pools.set(poolKey(pool), {
      ...held,
      instances: held.instances + 1,
      capacity: held.capacity + units,
    });
  }
  return [...pools.values()].sort(
    (a, b) => b.capacity - a.capacity || (poolKey(a) < poolKey(b) ? -1 : 1),
  );
}

/** The capacity's unit as people say it: "vCPUs" or "instances" (singular for one). */
export function unitName(unit: FleetAsk["capacityUnit"], n: number): string {
  if (unit === "vcpu") return n === 1 ? "vCPU" : "vCPUs";
  return n === 1 ? "instance" : "instances";
}

/** How the target splits between spot and on-demand before any fallback. */
export function marketShares(ask: Pick<FleetAsk, "targetCapacity" | "spotPercent">) {
  const spot = Math.round((ask.targetCapacity * ask.spotPercent) / 100);
  return { spot, "on-demand": ask.targetCapacity - spot } satisfies Record<Market, number>;
}

/** The capacity one instance of `instanceType` counts for; `vcpus` is its vCPU count if known. */
export function weightOf(
  ask: Pick<FleetAsk, "capacityUnit" | "weights">,
  instanceType: string,
  vcpus?: number,
): number {
  if (ask.capacityUnit === "instance") return 1;
  return ask.weights?.[instanceType] ?? vcpus ?? 1;
}

/** The smallest capacity one instance counts for: the most instances the target can take is target ÷ this. */
export function smallestWeight(ask: Pick<FleetAsk, "capacityUnit" | "weights" | "requirements">) {
  if (ask.capacityUnit === "instance") return 1;
  const weights = Object.values(ask.weights ?? {});
  return weights.length > 0 ? Math.min(...weights) : (ask.requirements?.vcpus.min ?? 1);
}

/** The most instances the target may launch (whole instances of the smallest weight). */
export function maxInstances(
  ask: Parameters<typeof smallestWeight>[0] & { targetCapacity: number },
) {
  return Math.ceil(ask.targetCapacity / smallestWeight(ask));
}

/** A stable key of a pool (for sets and maps). */
export const poolKey = (pool: Pool): string =>
  `${pool.market}/${pool.instanceType}/${pool.availabilityZone}`;

/** The code of a market none of whose pools was asked: every one was remembered short of capacity. */
export const REMEMBERED_SHORT = "RememberedCapacityError";

/** Whether a fleet error code means no capacity in the pool (EC2's codes, or remembered). */
export function isCapacityError(code: string): boolean {
  return isCapacityCode(code) || code === REMEMBERED_SHORT;
}

/** "spot, falling back to on-demand", "spot only", "on-demand", "60% spot, falling back to on-demand; 40% on-demand". */
export function marketsPhrase(ask: Pick<FleetAsk, "spotPercent" | "onDemandFallback">): string {
  if (ask.spotPercent === 0) return "on-demand";
  const spot = ask.spotPercent === 100 ? "spot" : `${ask.spotPercent}% spot`;
  const fallback = ask.onDemandFallback ? ", falling back to on-demand" : " only";
  const rest = ask.spotPercent === 100 ? "" : `; ${100 - ask.spotPercent}% on-demand`;
  return `${spot}${fallback}${rest}`;
}

/** "c5.large, m5.large or c6i.xlarge", or "any type with 2–8 vCPUs with 2–4 GiB per vCPU". */
export function typesPhrase(
  ask: Partial<Pick<FleetAsk, "weights" | "requirements">> & {
    instanceTypes?: readonly string[] | undefined;
  },
): string {
  const types = ask.instanceTypes ?? Object.keys(ask.weights ?? {});
  if (types.length > 0)
    return types.length === 1
      ? (types[0] as string)
      : `${types.slice(0, -1).join(", ")} or ${types.at(-1)}`;
  const r = ask.requirements;
  if (r === undefined) return "any type";
  const range = (min?: number, max?: number) =>
    max === undefined ? `${min ?? 0} or more` : min === max ? `${max}` : `${min ?? 0}–${max}`;
  const memory = r.memoryPerVcpuGiB
    ? ` with ${range(r.memoryPerVcpuGiB.min, r.memoryPerVcpuGiB.max)} GiB per vCPU`
    : "";
  return `any type with ${range(r.vcpus.min, r.vcpus.max)} vCPUs${memory}`;
}

/** One override of an instant fleet: a subnet with an instance type and its weight, or requirements. */
export interface FleetOverride {
  subnetId: string;
  instanceType?: string;
  weight?: number;
  requirements?: FleetRequirements;
  /** Attribute-based only: types left out in this subnet (remembered capacity errors). */
  excludedTypes?: string[];
}

/** The overrides of a fleet on `market`: every subnet × type, less the pools skipped on that market. */
export function fleetOverrides(
  ask: Pick<FleetAsk, "subnets" | "weights" | "requirements">,
  market: Market,
  skipped: readonly Pool[],
): FleetOverride[] {
  const skippedHere = (zone: string) =>
    skipped.filter((p) => p.market === market && p.availabilityZone === zone);
  return ask.subnets.flatMap(({ subnetId, availabilityZone }): FleetOverride[] => {
    const skip = new Set(skippedHere(availabilityZone).map((p) => p.instanceType));
    if (ask.requirements !== undefined) {
      const excludedTypes = [...skip].sort();
      return [
        { subnetId, requirements: ask.requirements, ...(skip.size > 0 ? { excludedTypes } : {}) },
      ];
    }
    return Object.entries(ask.weights ?? {})
      .filter(([instanceType]) => !skip.has(instanceType))
      .map(([instanceType, weight]) => ({ subnetId, instanceType, weight }));
  });
}

/** The Availability Zone of one of the fleet's subnets ("unknown" for any other). */
export function zoneOfSubnet(ask: Pick<FleetAsk, "subnets">, subnetId: string | undefined) {
  return ask.subnets.find((s) => s.subnetId === subnetId)?.availabilityZone ?? "unknown";
}

/** The launch template of a fleet annex: named after it, so a retry and the end find it without a record. */
export const launchTemplateName = (annexId: string): string => `cloud-annex-${annexId}`;
