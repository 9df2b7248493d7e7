/** DescribeInstances: ids, filters, MaxResults/NextToken pagination, grouped into reservations. */

import {
  DescribeInstances$,
  type DescribeInstancesRequest,
  type DescribeInstancesResult,
} from "@aws-sdk/client-ec2";
import type { Ec2Context } from "../core/context.ts";
import { applyFilters, type FilterFields } from "../core/filters.ts";
import { stateCodes } from "../core/lifecycle.ts";
import { paginate } from "../core/pagination.ts";
import type { InstanceRecord } from "../core/state.ts";
import { reservationsOf } from "../core/views.ts";
import { describedInstances } from "./lookup.ts";
import { operation } from "./operation.ts";

/** The DescribeInstances filters the emulator understands (plus `tag:KEY`, `tag-key`, `tag-value`). */
export function instanceFilters(ctx: Ec2Context): FilterFields<InstanceRecord> {
  const groupNames = (i: InstanceRecord) =>
    i.groupIds.map((id) => ctx.state.securityGroups[id]?.name);
  return {
    "instance-id": (i) => i.id,
    "instance-state-name": (i) => i.state,
    "instance-state-code": (i) => String(stateCodes[i.state]),
    "instance-type": (i) => i.instanceType,
    "image-id": (i) => i.imageId,
    "key-name": (i) => i.keyName,
    "client-token": (i) => i.clientToken,
    "availability-zone": (i) => i.availabilityZone,
    "subnet-id": (i) => i.subnetId,
    "vpc-id": (i) => i.vpcId,
    "private-ip-address": (i) => i.privateIp,
    "reservation-id": (i) => i.reservationId,
    "instance-lifecycle": (i) => i.lifecycle,
    "spot-instance-request-id": (i) => i.spotRequestId,
    "iam-instance-profile.arn": (i) => i.iamInstanceProfile?.arn,
    "instance.group-id": (i) => i.groupIds,
    "instance.group-name": groupNames,
    "group-id": (i) => i.groupIds,
    "group-name": groupNames,
    architecture: (i) => i.architecture,
    "launch-time": (i) => new Date(i.launchTime).toISOString(),
    "owner-id": () => ctx.accountId,
    "metadata-options.http-tokens": (i) => i.metadata.httpTokens,
  };
}

/** DescribeInstances. */
export const describeInstances = operation(
  DescribeInstances$,
  (ctx, input: DescribeInstancesRequest, call): DescribeInstancesResult => {
    const candidates = describedInstances(ctx, input, call.now);
    const matching = applyFilters(candidates, input.Filters, instanceFilters(ctx), (i) => i.tags);
    const { page, nextToken } = paginate(matching, (i) => i.seq, input, { min: 5, max: 1000 });
    return { Reservations: reservationsOf(ctx, page), NextToken: nextToken };
  },
);
