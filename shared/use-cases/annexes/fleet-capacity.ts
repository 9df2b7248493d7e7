/**
 * Filling capacity for a fleet annex (its create, or the replacement of an interrupted instance):
 * one instant EC2 Fleet on spot (price-capacity-optimized), then one on demand for the on-demand
 * share plus whatever spot could not give, unless spot only. Pools remembered short are left out;
 * pools that turn out short are remembered. Each call has its own client token, so a retry replays.
 */

import type { Annex } from "../../domain/annex.ts";
import {
  byPool,
  type FleetAsk,
  type FleetOutcome,
  fleetOverrides,
  isCapacityError,
  type Market,
  type Pool,
  REMEMBERED_SHORT,
  weightOf,
  zoneOfSubnet,
} from "../../domain/fleet.ts";
import { launchTags } from "../../domain/tags.ts";
import type { FleetError, FleetInstance } from "../../ports/ec2-fleets.ts";
import type { AnnexPorts } from "./ports.ts";

/** What to ask: units per market, whether spot's shortfall goes on demand, which pools to leave out. */
export interface CapacityRequest {
  spot: number;
  onDemand: number;
  fallback: boolean;
  skipped: readonly Pool[];
  /** The spot fleet's client token; the on-demand one adds `-od`. */
  clientToken: string;
  launchTemplateId: string;
}

/** An instance a fleet launched, with where it runs and what it counts for. */
export interface PlacedInstance extends FleetInstance {
  availabilityZone: string;
  units: number;
}

/** What filling gave. */
export interface Filled {
  fleetIds: string[];
  instances: PlacedInstance[];
  outcome: FleetOutcome;
  errors: FleetError[];
}

interface FillPorts {
  ec2Fleets: Pick<AnnexPorts["ec2Fleets"], "launch">;
  catalog: Pick<AnnexPorts["catalog"], "instanceTypes">;
  capacityMemory: Pick<AnnexPorts["capacityMemory"], "remember">;
  stage: AnnexPorts["stage"];
}

/** Fills the request at `now`: spot first, then on demand. */
export async function fillCapacity(
  ports: FillPorts,
  annex: Annex & { fleet: FleetAsk },
  request: CapacityRequest,
  now: number,
): Promise<Filled> {
  const spot = await launchOn(ports, annex, request, "spot", request.spot);
  const spotPlaced = await place(ports, annex.fleet, spot.instances);
  const fellBack = request.fallback ? Math.max(0, request.spot - unitsOf(spotPlaced)) : 0;
  const onDemand = await launchOn(ports, annex, request, "on-demand", request.onDemand + fellBack);
  const placed = [...spotPlaced, ...(await place(ports, annex.fleet, onDemand.instances))];
  const errors = [...spot.errors, ...onDemand.errors];
  const failedPools = errors.map((e) => ({ ...poolOf(annex.fleet, e), code: e.code }));
  const short = failedPools.filter((p) => isCapacityError(p.code) && p.instanceType !== "");
  if (short.length > 0) await ports.capacityMemory.remember(short, now);
  const got = (market: Market) => unitsOf(placed.filter((i) => i.market === market));
  return {
    fleetIds: [spot.fleetId, onDemand.fleetId].filter((id): id is string => id !== undefined),
    instances: placed,
    errors,
    outcome: {
      asked: { spot: request.spot, "on-demand": request.onDemand + fellBack },
      got: { spot: got("spot"), "on-demand": got("on-demand") },
      fellBack,
      pools: byPool(placed),
      failedPools,
    },
  };
}

interface Launch {
  fleetId?: string;
  instances: FleetInstance[];
  errors: FleetError[];
}

/** One instant fleet on one market; none when nothing is asked or every pool is left out. */
async function launchOn(
  ports: FillPorts,
  annex: Annex & { fleet: FleetAsk },
  request: CapacityRequest,
  market: Market,
  target: number,
): Promise<Launch> {
  if (target <= 0) return { instances: [], errors: [] };
  const overrides = fleetOverrides(annex.fleet, market, request.skipped);
  if (overrides.length === 0)
    return {
      instances: [],
      errors: [
        { market, code: REMEMBERED_SHORT, message: "every pool was short of capacity lately" },
      ],
    };
  return ports.ec2Fleets.launch({
    clientToken: market === "spot" ? request.clientToken : `${request.clientToken}-od`,
    launchTemplateId: request.launchTemplateId,
    market,
    targetCapacity: target,
    unit: annex.fleet.requirements && annex.fleet.capacityUnit === "vcpu" ? "vcpu" : "units",
    overrides,
    fleetTags: launchTags(annex, ports.stage),
    // The template carries them too, with the lease it was created with; these are the current ones.
    instanceTags: launchTags(annex, ports.stage),
  });
}

/** Where each instance runs and what it counts for (attribute-based types: their vCPUs, read once). */
async function place(
  ports: FillPorts,
  ask: FleetAsk,
  instances: FleetInstance[],
): Promise<PlacedInstance[]> {
  const lookUp = ask.requirements !== undefined && ask.capacityUnit === "vcpu";
  const types = [...new Set(instances.map((i) => i.instanceType))];
  const infos = lookUp && types.length > 0 ? await ports.catalog.instanceTypes(types) : [];
  const vcpus = new Map(infos.map((info) => [info.instanceType, info.vcpus]));
  return instances.map((instance) => ({
    ...instance,
    availabilityZone: zoneOfSubnet(ask, instance.subnetId),
    units: weightOf(ask, instance.instanceType, vcpus.get(instance.instanceType)),
  }));
}

const unitsOf = (instances: ReadonlyArray<{ units?: number }>) =>
  instances.reduce((sum, i) => sum + (i.units ?? 1), 0);

function poolOf(ask: FleetAsk, error: FleetError): Pool {
  return {
    instanceType: error.instanceType ?? "",
    availabilityZone: zoneOfSubnet(ask, error.subnetId),
    market: error.market,
  };
}
