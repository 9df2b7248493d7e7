/** The pools of a Spot Fleet request: its launch specifications or launch template configs. */

import type {
  RunInstancesRequest,
  SpotFleetLaunchSpecification,
  SpotFleetRequestConfigData,
} from "@aws-sdk/client-ec2";
import type { Ec2Context } from "./context.ts";
import {
  type BasePool,
  expand,
  type Options,
  type Override,
  priceOf,
  type UnitType,
} from "./fleet-pools.ts";
import { asRunInput, findTemplate } from "./templates.ts";

/** A Spot Fleet launch specification in RunInstances' terms. */
function fromSpotSpec(spec: SpotFleetLaunchSpecification): Partial<RunInstancesRequest> {
  const groups = spec.SecurityGroups ?? [];
  return {
    ImageId: spec.ImageId,
    InstanceType: spec.InstanceType,
    KeyName: spec.KeyName,
    SubnetId: spec.SubnetId,
    Placement: spec.Placement?.AvailabilityZone
      ? { AvailabilityZone: spec.Placement.AvailabilityZone }
      : undefined,
    SecurityGroupIds: groups.flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
    SecurityGroups: groups.flatMap((g) => (!g.GroupId && g.GroupName ? [g.GroupName] : [])),
    UserData: spec.UserData,
    IamInstanceProfile: spec.IamInstanceProfile,
    TagSpecifications: spec.TagSpecifications,
  };
}

/** The pools of a Spot Fleet request (launch specifications or launch template configs). */
export function spotFleetPools(ctx: Ec2Context, config: SpotFleetRequestConfigData): BasePool[] {
  const options: Options = {
    unitType: (config.TargetCapacityUnitType as UnitType | undefined) ?? "units",
    singleSubnet: false,
    fleetMaxPrice: priceOf(config.SpotPrice),
  };
  const specs = (config.LaunchSpecifications ?? []).flatMap((spec) =>
    expand(
      ctx,
      fromSpotSpec(spec),
      {
        InstanceType: spec.InstanceType,
        InstanceRequirements: spec.InstanceRequirements,
        WeightedCapacity: spec.WeightedCapacity,
        SpotPrice: spec.SpotPrice,
      } as Override,
      options,
    ),
  );
  const templated = (config.LaunchTemplateConfigs ?? []).flatMap((c) => {
    const data = findTemplate(ctx, c.LaunchTemplateSpecification ?? {}).data;
    const overrides = c.Overrides?.length ? (c.Overrides as Override[]) : [undefined];
    return overrides.flatMap((o) =>
      expand(ctx, asRunInput(data), o, options, data.InstanceRequirements),
    );
  });
  return [...specs, ...templated];
}
