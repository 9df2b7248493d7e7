/**
 * CreateFleet's checks before anything launches: type, the split of the target capacity, the
 * allocation strategies and options of each market. Options the emulator does not model are
 * refused (`UnsupportedOperation`) rather than ignored.
 */

import type {
  CreateFleetRequest,
  OnDemandOptionsRequest,
  SpotOptionsRequest,
} from "@aws-sdk/client-ec2";
import { type Strategy, strategyOf } from "../core/allocation.ts";
import type { ShareRequest } from "../core/fleet-plan.ts";
import type { UnitType } from "../core/fleet-pools.ts";
import {
  Ec2Error,
  invalidCombination,
  invalidValue,
  missingParameter,
} from "../protocol/errors.ts";

export interface CheckedFleet {
  type: "instant" | "request" | "maintain";
  unitType: UnitType;
  onDemand: Omit<ShareRequest, "unitType">;
  spot: Omit<ShareRequest, "unitType">;
}

const unsupported = (what: string) =>
  new Ec2Error("UnsupportedOperation", `The local EC2 emulator does not support ${what}.`);

const spotStrategies: Strategy[] = [
  "lowest-price",
  "diversified",
  "capacity-optimized",
  "capacity-optimized-prioritized",
  "price-capacity-optimized",
];
const onDemandStrategies: Strategy[] = ["lowest-price", "prioritized"];

function split(
  input: CreateFleetRequest,
  type: CheckedFleet["type"],
): { spot: number; onDemand: number } {
  const t = input.TargetCapacitySpecification;
  if (!t || t.TotalTargetCapacity === undefined)
    throw missingParameter("TargetCapacitySpecification.TotalTargetCapacity");
  const total = t.TotalTargetCapacity;
  if (!Number.isInteger(total) || total < (type === "maintain" ? 0 : 1))
    throw invalidValue("TotalTargetCapacity", total);
  const fallback = t.DefaultTargetCapacityType ?? "on-demand";
  if (fallback !== "on-demand" && fallback !== "spot")
    throw unsupported(`DefaultTargetCapacityType ${fallback}`);
  const onDemand =
    t.OnDemandTargetCapacity ??
    (t.SpotTargetCapacity !== undefined
      ? total - t.SpotTargetCapacity
      : fallback === "on-demand"
        ? total
        : 0);
  const spot = t.SpotTargetCapacity ?? total - onDemand;
  if (onDemand < 0 || spot < 0 || onDemand + spot > total)
    throw new Ec2Error(
      "InvalidTargetCapacitySpecification",
      "The on-demand and spot target capacities exceed the total target capacity.",
    );
  // What neither share names is filled with the default capacity type.
  const rest = total - onDemand - spot;
  return fallback === "spot"
    ? { spot: spot + rest, onDemand }
    : { spot, onDemand: onDemand + rest };
}

function strategy(name: string | undefined, allowed: Strategy[], where: string): Strategy {
  const found = strategyOf(name);
  if (!found || !allowed.includes(found)) throw invalidValue(`${where}.AllocationStrategy`, name);
  return found;
}

function options(
  o: SpotOptionsRequest | OnDemandOptionsRequest | undefined,
  where: string,
  instant: boolean,
) {
  const singles = o?.SingleInstanceType === true || o?.SingleAvailabilityZone === true;
  if (!instant && (singles || o?.MinTargetCapacity !== undefined))
    throw invalidCombination(
      `${where}: SingleInstanceType, SingleAvailabilityZone and MinTargetCapacity are supported only for fleets of type instant.`,
    );
  if (o?.MinTargetCapacity !== undefined && !singles)
    throw invalidCombination(
      `${where}.MinTargetCapacity needs SingleInstanceType or SingleAvailabilityZone.`,
    );
  if (o?.MinTargetCapacity !== undefined && (o.MinTargetCapacity < 0 || o.MinTargetCapacity > 1000))
    throw invalidValue(`${where}.MinTargetCapacity`, o.MinTargetCapacity);
  const maxTotal = o?.MaxTotalPrice === undefined ? undefined : Number(o.MaxTotalPrice);
  if (maxTotal !== undefined && !(maxTotal >= 0))
    throw invalidValue(`${where}.MaxTotalPrice`, o?.MaxTotalPrice);
  return {
    singleInstanceType: o?.SingleInstanceType === true,
    singleAvailabilityZone: o?.SingleAvailabilityZone === true,
    minTarget: o?.MinTargetCapacity,
    maxTotalPrice: maxTotal,
  };
}

function checkUnsupported(input: CreateFleetRequest, now: number): void {
  const behaviour = input.SpotOptions?.InstanceInterruptionBehavior;
  if (behaviour !== undefined && behaviour !== "terminate")
    throw unsupported(`SpotOptions.InstanceInterruptionBehavior ${behaviour}`);
  if (input.SpotOptions?.MaintenanceStrategies?.CapacityRebalance)
    throw unsupported("SpotOptions.MaintenanceStrategies (capacity rebalancing)");
  if (input.OnDemandOptions?.CapacityReservationOptions) throw unsupported("capacity reservations");
  if (input.ReservedCapacityOptions) throw unsupported("ReservedCapacityOptions");
  if (input.ValidFrom && input.ValidFrom.getTime() > now)
    throw unsupported("ValidFrom in the future");
  if (input.ValidUntil && input.ValidUntil.getTime() <= now)
    throw invalidValue("ValidUntil", input.ValidUntil.toISOString(), "It must be in the future.");
}

function unitTypeOf(input: CreateFleetRequest): UnitType {
  const unitType = input.TargetCapacitySpecification?.TargetCapacityUnitType ?? "units";
  if (!["units", "vcpu", "memory-mib"].includes(unitType))
    throw invalidValue("TargetCapacityUnitType", unitType);
  const everyOverride = (input.LaunchTemplateConfigs ?? []).every(
    (c) => c.Overrides?.length && c.Overrides.every((o) => o.InstanceRequirements),
  );
  if (unitType !== "units" && !everyOverride)
    throw invalidCombination(
      "TargetCapacityUnitType can be specified only with attribute-based instance type selection (InstanceRequirements in every override).",
    );
  return unitType as UnitType;
}

/** Checks a CreateFleet request; throws EC2's error for the first problem. */
export function checkFleetRequest(input: CreateFleetRequest, now: number): CheckedFleet {
  const type = input.Type ?? "maintain";
  if (type !== "instant" && type !== "request" && type !== "maintain")
    throw invalidValue("type", type);
  checkUnsupported(input, now);
  const instant = type === "instant";
  const units = split(input, type);
  const spotStrategy = strategy(
    input.SpotOptions?.AllocationStrategy,
    spotStrategies,
    "SpotOptions",
  );
  const poolsToUse = input.SpotOptions?.InstancePoolsToUseCount;
  if (poolsToUse !== undefined && spotStrategy !== "lowest-price")
    throw invalidCombination(
      "InstancePoolsToUseCount is supported only with the lowest-price allocation strategy.",
    );
  if (poolsToUse !== undefined && !(Number.isInteger(poolsToUse) && poolsToUse >= 1))
    throw invalidValue("InstancePoolsToUseCount", poolsToUse);
  return {
    type,
    unitType: unitTypeOf(input),
    onDemand: {
      units: units.onDemand,
      market: "on-demand",
      strategy: strategy(
        input.OnDemandOptions?.AllocationStrategy,
        onDemandStrategies,
        "OnDemandOptions",
      ),
      ...options(input.OnDemandOptions, "OnDemandOptions", instant),
    },
    spot: {
      units: units.spot,
      market: "spot",
      strategy: spotStrategy,
      poolsToUse,
      ...options(input.SpotOptions, "SpotOptions", instant),
    },
  };
}
