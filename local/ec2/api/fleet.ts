/** EC2 Fleet: DescribeFleets, DescribeFleetInstances, DeleteFleets. */

import {
  DeleteFleets$,
  type DeleteFleetsRequest,
  type DeleteFleetsResult,
  DescribeFleetInstances$,
  type DescribeFleetInstancesRequest,
  type DescribeFleetInstancesResult,
  DescribeFleets$,
  type DescribeFleetsRequest,
  type DescribeFleetsResult,
  type FleetData,
} from "@aws-sdk/client-ec2";
import type { Ec2Context } from "../core/context.ts";
import { applyFilters } from "../core/filters.ts";
import { deleteFleet, liveFleetInstances } from "../core/fleets.ts";
import { paginate } from "../core/pagination.ts";
import type { FleetRecord } from "../core/state.ts";
import { sdkTags } from "../core/tags.ts";
import { activeInstanceView } from "../core/views.ts";
import {
  Ec2Error,
  invalidCombination,
  invalidValue,
  missingParameter,
} from "../protocol/errors.ts";
import { operation } from "./operation.ts";

const idPattern = /^fleet-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function findFleet(ctx: Ec2Context, id: string): FleetRecord {
  if (!idPattern.test(id))
    throw new Ec2Error("InvalidFleetId.Malformed", `Invalid id: "${id}" (expecting "fleet-...")`);
  const fleet = ctx.state.fleets[id];
  if (!fleet) throw new Ec2Error("InvalidFleetId.NotFound", `The fleet ID '${id}' does not exist`);
  return fleet;
}

/**
 * EC2's activity status: always `fulfilled` for an instant fleet (its requests are all placed);
 * for request and maintain fleets, `fulfilled` once the target is met, else `pending_fulfillment`.
 */
function activityOf(fleet: FleetRecord, units: number): FleetData["ActivityStatus"] {
  if (fleet.state !== "active") return undefined;
  if (fleet.type === "instant") return "fulfilled";
  const target = fleet.request.TargetCapacitySpecification?.TotalTargetCapacity ?? 0;
  return units >= target ? "fulfilled" : "pending_fulfillment";
}

function fleetView(ctx: Ec2Context, fleet: FleetRecord): FleetData {
  const request = fleet.request;
  const live = liveFleetInstances(ctx, fleet);
  const result = fleet.result;
  const units = (list: typeof live) => list.reduce((sum, i) => sum + (fleet.weights[i.id] ?? 1), 0);
  return {
    FleetId: fleet.id,
    FleetState: fleet.state,
    CreateTime: new Date(fleet.createdAt),
    Type: fleet.type,
    ClientToken: fleet.clientToken,
    ActivityStatus: activityOf(fleet, units(live)),
    TargetCapacitySpecification: request.TargetCapacitySpecification,
    FulfilledCapacity: units(live),
    FulfilledOnDemandCapacity: units(live.filter((i) => i.lifecycle !== "spot")),
    LaunchTemplateConfigs: request.LaunchTemplateConfigs as FleetData["LaunchTemplateConfigs"],
    SpotOptions: { AllocationStrategy: request.SpotOptions?.AllocationStrategy ?? "lowest-price" },
    OnDemandOptions: {
      AllocationStrategy: request.OnDemandOptions?.AllocationStrategy ?? "lowest-price",
    },
    TerminateInstancesWithExpiration: fleet.terminateOnExpiry,
    ValidUntil: fleet.validUntil === undefined ? undefined : new Date(fleet.validUntil),
    Tags: sdkTags(fleet.tags),
    Instances: fleet.type === "instant" ? result.Instances : undefined,
    Errors: fleet.type === "instant" ? result.Errors : undefined,
  };
}

/** DescribeFleets. */
export const describeFleets = operation(
  DescribeFleets$,
  (ctx, input: DescribeFleetsRequest): DescribeFleetsResult => {
    const ids = input.FleetIds ?? [];
    const fleets =
      ids.length > 0 ? ids.map((id) => findFleet(ctx, id)) : Object.values(ctx.state.fleets);
    const matching = applyFilters(
      fleets,
      input.Filters,
      {
        "fleet-state": (f) => f.state,
        type: (f) => f.type,
        "activity-status": (f) => fleetView(ctx, f).ActivityStatus,
      },
      (f) => f.tags,
    );
    const { page, nextToken } = paginate(matching, (f) => f.seq, input, { min: 1, max: 1000 });
    return { Fleets: page.map((f) => fleetView(ctx, f)), NextToken: nextToken };
  },
);

/** DescribeFleetInstances. */
export const describeFleetInstances = operation(
  DescribeFleetInstances$,
  (ctx, input: DescribeFleetInstancesRequest): DescribeFleetInstancesResult => {
    if (input.FleetId === undefined) throw missingParameter("FleetId");
    const fleet = findFleet(ctx, input.FleetId);
    const { page, nextToken } = paginate(liveFleetInstances(ctx, fleet), (i) => i.seq, input, {
      min: 1,
      max: 1000,
    });
    return {
      FleetId: fleet.id,
      ActiveInstances: page.map(activeInstanceView),
      NextToken: nextToken,
    };
  },
);

/** DeleteFleets: per-id outcomes. */
export const deleteFleets = operation(
  DeleteFleets$,
  (ctx, input: DeleteFleetsRequest, call): DeleteFleetsResult => {
    const ids = input.FleetIds ?? [];
    if (ids.length === 0) throw missingParameter("FleetId");
    if (input.TerminateInstances === undefined) throw missingParameter("TerminateInstances");
    if (ids.length > 100) throw invalidValue("FleetIds", ids.length, "At most 100 fleet IDs.");
    // EC2: "For instant fleets, you cannot specify NoTerminateInstances."
    if (!input.TerminateInstances && ids.some((id) => ctx.state.fleets[id]?.type === "instant"))
      throw invalidCombination(
        "NoTerminateInstances is not supported for fleets of type instant: a deleted instant fleet with running instances is not supported.",
      );
    const out: Required<
      Pick<DeleteFleetsResult, "SuccessfulFleetDeletions" | "UnsuccessfulFleetDeletions">
    > = { SuccessfulFleetDeletions: [], UnsuccessfulFleetDeletions: [] };
    for (const id of ids) {
      const fleet = ctx.state.fleets[id];
      const error = !idPattern.test(id)
        ? { Code: "fleetIdMalformed" as const, Message: `The fleet ID '${id}' is malformed` }
        : !fleet
          ? { Code: "fleetIdDoesNotExist" as const, Message: `The fleet ID '${id}' does not exist` }
          : fleet.state === "deleted" ||
              fleet.state === "deleted_terminating" ||
              (fleet.state === "deleted_running" && !input.TerminateInstances)
            ? {
                Code: "fleetNotInDeletableState" as const,
                Message: `The fleet '${id}' is not in a deletable state: ${fleet.state}`,
              }
            : undefined;
      if (error || !fleet) {
        out.UnsuccessfulFleetDeletions.push({ FleetId: id, Error: error });
        continue;
      }
      const previous = fleet.state;
      deleteFleet(ctx, fleet, input.TerminateInstances, call.now);
      out.SuccessfulFleetDeletions.push({
        FleetId: id,
        PreviousFleetState: previous,
        CurrentFleetState: fleet.state,
      });
    }
    return out;
  },
);
