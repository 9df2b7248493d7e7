/** How a fleet annex shows outside: what was asked, what runs now per pool, what the launch got. */

import type { Annex, AnnexInstance } from "./annex.ts";
import { isUp } from "./ec2.ts";
import {
  byPool,
  type FleetOutcome,
  type FleetRequirements,
  type Market,
  weightOf,
} from "./fleet.ts";
import { rateKey } from "./prices.ts";

/** The capacity one pool (type × zone × market) gives now. */
export interface FleetPoolView {
  instanceType: string;
  availabilityZone: string;
  market: Market;
  instances: number;
  capacity: number;
  /** What one of its instances costs per hour now, when its price is known. */
  usdPerHour?: number;
}

/** A fleet annex's capacity as the API shows it. */
export interface FleetView {
  capacityUnit: "vcpu" | "instance";
  targetCapacity: number;
  /** What the instances booting or running now count for. */
  fulfilledCapacity: number;
  spotPercent: number;
  onDemandFallback: boolean;
  replaceInterrupted: boolean;
  instanceTypes?: string[];
  requirements?: FleetRequirements;
  /** Booting or running instances by pool, the largest first. */
  pools: FleetPoolView[];
  /** What the create's launch asked and got per market, what fell back, which pools EC2 could not fill. */
  launch?: FleetOutcome;
}

/** The fleet part of an annex's view; undefined for other kinds. */
export function presentFleet(
  annex: Annex,
  instances: readonly AnnexInstance[],
): FleetView | undefined {
  const ask = annex.fleet;
  if (ask === undefined) return undefined;
  const live = instances.filter((i) => i.endedAt === undefined && isUp(i.ec2State));
  const byCapacity = byPool(
    live.map((instance) => ({
      instanceType: instance.instanceType,
      availabilityZone: instance.availabilityZone ?? "unknown",
      market: instance.market ?? "on-demand",
      units: instance.capacityUnits ?? weightOf(ask, instance.instanceType),
    })),
  );
  return {
    capacityUnit: ask.capacityUnit,
    targetCapacity: ask.targetCapacity,
    fulfilledCapacity: byCapacity.reduce((sum, p) => sum + p.capacity, 0),
    spotPercent: ask.spotPercent,
    onDemandFallback: ask.onDemandFallback,
    replaceInterrupted: ask.replaceInterrupted,
    ...(ask.weights ? { instanceTypes: Object.keys(ask.weights) } : {}),
    ...(ask.requirements ? { requirements: ask.requirements } : {}),
    pools: byCapacity.map((pool) => {
      const rate =
        annex.cost?.rates?.[rateKey(pool.instanceType, pool.market, pool.availabilityZone)];
      return rate === undefined ? pool : { ...pool, usdPerHour: rate };
    }),
    ...(annex.fleetOutcome ? { launch: annex.fleetOutcome } : {}),
  };
}
