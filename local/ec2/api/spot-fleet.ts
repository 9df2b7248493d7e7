/** DescribeSpotFleetRequests, DescribeSpotFleetInstances, CancelSpotFleetRequests. */

import {
  CancelSpotFleetRequests$,
  type CancelSpotFleetRequestsRequest,
  type CancelSpotFleetRequestsResponse,
  DescribeSpotFleetInstances$,
  type DescribeSpotFleetInstancesRequest,
  type DescribeSpotFleetInstancesResponse,
  DescribeSpotFleetRequests$,
  type DescribeSpotFleetRequestsRequest,
  type DescribeSpotFleetRequestsResponse,
  type SpotFleetRequestConfig,
} from "@aws-sdk/client-ec2";
import type { Ec2Context } from "../core/context.ts";
import { isEnding } from "../core/lifecycle.ts";
import { paginate } from "../core/pagination.ts";
import { cancelSpotFleet, fulfilled } from "../core/spot-fleets.ts";
import type { SpotFleetRecord } from "../core/state.ts";
import { sdkTags } from "../core/tags.ts";
import { activeInstanceView } from "../core/views.ts";
import { Ec2Error, missingParameter } from "../protocol/errors.ts";
import { operation } from "./operation.ts";

const idPattern = /^sfr-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function findFleet(ctx: Ec2Context, id: string): SpotFleetRecord {
  if (!idPattern.test(id))
    throw new Ec2Error(
      "InvalidSpotFleetRequestId.Malformed",
      `Invalid id: "${id}" (expecting "sfr-...")`,
    );
  const fleet = ctx.state.spotFleets[id];
  if (!fleet)
    throw new Ec2Error(
      "InvalidSpotFleetRequestId.NotFound",
      `The spot fleet request ID '${id}' does not exist`,
    );
  return fleet;
}

function configView(ctx: Ec2Context, fleet: SpotFleetRecord): SpotFleetRequestConfig {
  const have = fulfilled(ctx, fleet);
  return {
    SpotFleetRequestId: fleet.id,
    SpotFleetRequestState: fleet.state,
    ActivityStatus: fleet.activityStatus,
    CreateTime: new Date(fleet.createdAt),
    Tags: sdkTags(fleet.tags),
    SpotFleetRequestConfig: {
      AllocationStrategy: "lowestPrice",
      Type: "maintain",
      TerminateInstancesWithExpiration: false,
      OnDemandTargetCapacity: 0,
      ...fleet.config,
      FulfilledCapacity: have.total,
      OnDemandFulfilledCapacity: have.onDemand,
    },
  };
}

/** DescribeSpotFleetRequests. */
export const describeSpotFleetRequests = operation(
  DescribeSpotFleetRequests$,
  (ctx, input: DescribeSpotFleetRequestsRequest): DescribeSpotFleetRequestsResponse => {
    const ids = input.SpotFleetRequestIds ?? [];
    const fleets =
      ids.length > 0 ? ids.map((id) => findFleet(ctx, id)) : Object.values(ctx.state.spotFleets);
    const { page, nextToken } = paginate(fleets, (f) => f.seq, input, { min: 1, max: 1000 });
    return { SpotFleetRequestConfigs: page.map((f) => configView(ctx, f)), NextToken: nextToken };
  },
);

/** DescribeSpotFleetInstances: the fleet's pending and running instances. */
export const describeSpotFleetInstances = operation(
  DescribeSpotFleetInstances$,
  (ctx, input: DescribeSpotFleetInstancesRequest): DescribeSpotFleetInstancesResponse => {
    if (input.SpotFleetRequestId === undefined) throw missingParameter("SpotFleetRequestId");
    const fleet = findFleet(ctx, input.SpotFleetRequestId);
    const active = fleet.instanceIds.flatMap((id) => {
      const instance = ctx.state.instances[id];
      return instance && !isEnding(instance) ? [instance] : [];
    });
    const { page, nextToken } = paginate(active, (i) => i.seq, input, { min: 1, max: 1000 });
    return {
      SpotFleetRequestId: fleet.id,
      ActiveInstances: page.map(activeInstanceView),
      NextToken: nextToken,
    };
  },
);

/** CancelSpotFleetRequests: per-id outcomes, never a whole-call error for an unknown id. */
export const cancelSpotFleetRequests = operation(
  CancelSpotFleetRequests$,
  (ctx, input: CancelSpotFleetRequestsRequest, call): CancelSpotFleetRequestsResponse => {
    const ids = input.SpotFleetRequestIds ?? [];
    if (ids.length === 0) throw missingParameter("SpotFleetRequestId");
    if (input.TerminateInstances === undefined) throw missingParameter("TerminateInstances");
    const out: Required<
      Pick<CancelSpotFleetRequestsResponse, "SuccessfulFleetRequests" | "UnsuccessfulFleetRequests">
    > = {
      SuccessfulFleetRequests: [],
      UnsuccessfulFleetRequests: [],
    };
    for (const id of ids) {
      const fleet = ctx.state.spotFleets[id];
      const error = !idPattern.test(id)
        ? {
            Code: "fleetRequestIdMalformed" as const,
            Message: `The fleet request ID '${id}' is malformed`,
          }
        : !fleet
          ? {
              Code: "fleetRequestIdDoesNotExist" as const,
              Message: `The spot fleet request ID '${id}' does not exist`,
            }
          : fleet.state === "cancelled" ||
              fleet.state === "failed" ||
              fleet.state === "cancelled_terminating" ||
              (fleet.state === "cancelled_running" && !input.TerminateInstances)
            ? {
                Code: "fleetRequestNotInCancellableState" as const,
                Message: `The spot fleet request ID '${id}' is not in a cancellable state: ${fleet.state}`,
              }
            : undefined;
      if (error || !fleet) {
        out.UnsuccessfulFleetRequests.push({ SpotFleetRequestId: id, Error: error });
        continue;
      }
      const previous = fleet.state;
      cancelSpotFleet(ctx, fleet, input.TerminateInstances, call.now);
      out.SuccessfulFleetRequests.push({
        SpotFleetRequestId: id,
        PreviousSpotFleetRequestState: previous,
        CurrentSpotFleetRequestState: fleet.state,
      });
    }
    return out;
  },
);
