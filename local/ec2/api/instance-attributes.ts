/** DescribeInstanceAttribute (userData and a few others) and DescribeInstanceStatus. */

import {
  DescribeInstanceAttribute$,
  type DescribeInstanceAttributeRequest,
  DescribeInstanceStatus$,
  type DescribeInstanceStatusRequest,
  type DescribeInstanceStatusResult,
  type InstanceAttribute,
  type InstanceStatus,
  type InstanceStatusSummary,
} from "@aws-sdk/client-ec2";
import type { Ec2Context } from "../core/context.ts";
import { applyFilters } from "../core/filters.ts";
import { stateCodes } from "../core/lifecycle.ts";
import { paginate } from "../core/pagination.ts";
import type { InstanceRecord } from "../core/state.ts";
import { invalidValue, missingParameter } from "../protocol/errors.ts";
import { describedInstances, findInstances } from "./lookup.ts";
import { operation } from "./operation.ts";

type AttributeReader = (instance: InstanceRecord, ctx: Ec2Context) => InstanceAttribute;

const attributes: Record<string, AttributeReader> = {
  userData: (i) => ({ UserData: i.userData === undefined ? {} : { Value: i.userData } }),
  instanceType: (i) => ({ InstanceType: { Value: i.instanceType } }),
  instanceInitiatedShutdownBehavior: (i) => ({
    InstanceInitiatedShutdownBehavior: { Value: i.shutdownBehavior },
  }),
  disableApiTermination: () => ({ DisableApiTermination: { Value: false } }),
  groupSet: (i, ctx) => ({
    Groups: i.groupIds.map((id) => ({
      GroupId: id,
      GroupName: ctx.state.securityGroups[id]?.name,
    })),
  }),
};

/** DescribeInstanceAttribute. */
export const describeInstanceAttribute = operation(
  DescribeInstanceAttribute$,
  (ctx, input: DescribeInstanceAttributeRequest, call): InstanceAttribute => {
    if (input.InstanceId === undefined) throw missingParameter("InstanceId");
    if (input.Attribute === undefined) throw missingParameter("Attribute");
    const read = attributes[input.Attribute];
    if (!read) throw invalidValue("attribute", input.Attribute, "Unknown attribute.");
    const [instance] = findInstances(ctx, [input.InstanceId], call.now);
    if (!instance) throw missingParameter("InstanceId");
    return { InstanceId: instance.id, ...read(instance, ctx) };
  },
);

function statusOf(instance: InstanceRecord): InstanceStatus {
  const running = instance.state === "running";
  const summary: InstanceStatusSummary = {
    Status: running ? "ok" : "not-applicable",
    Details: running ? [{ Name: "reachability", Status: "passed" }] : [],
  };
  return {
    InstanceId: instance.id,
    AvailabilityZone: instance.availabilityZone,
    InstanceState: { Code: stateCodes[instance.state], Name: instance.state },
    InstanceStatus: summary,
    SystemStatus: summary,
  };
}

/** DescribeInstanceStatus (running instances only unless IncludeAllInstances). */
export const describeInstanceStatus = operation(
  DescribeInstanceStatus$,
  (ctx, input: DescribeInstanceStatusRequest, call): DescribeInstanceStatusResult => {
    const candidates = describedInstances(ctx, input, call.now);
    const shown = input.IncludeAllInstances
      ? candidates
      : candidates.filter((i) => i.state === "running");
    const matching = applyFilters(shown, input.Filters, {
      "availability-zone": (i) => i.availabilityZone,
      "instance-state-name": (i) => i.state,
      "instance-state-code": (i) => String(stateCodes[i.state]),
      "instance-status.status": (i) => statusOf(i).InstanceStatus?.Status,
      "system-status.status": (i) => statusOf(i).SystemStatus?.Status,
    });
    const { page, nextToken } = paginate(matching, (i) => i.seq, input, { min: 5, max: 1000 });
    return { InstanceStatuses: page.map(statusOf), NextToken: nextToken };
  },
);
