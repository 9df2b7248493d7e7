/** The pools a Spot Fleet or EC2 Fleet request describes, as checked launch specifications. */

import type {
  FleetLaunchTemplateConfigRequest,
  LaunchTemplateOverrides,
  RunInstancesRequest,
  SpotFleetLaunchSpecification,
  SpotFleetRequestConfigData,
} from "@aws-sdk/client-ec2";
import type { Pool } from "./allocation.ts";
import type { Ec2Context } from "./context.ts";
import { resolveLaunch } from "./resolve-launch.ts";
import { asRunInput, findTemplate } from "./templates.ts";

type BasePool = Omit<Pool, "price">;

const firstOf = (list: string | undefined) => list?.split(",")[0]?.trim() || undefined;

/** A Spot Fleet launch specification in RunInstances' terms. */
function fromSpotSpec(spec: SpotFleetLaunchSpecification): Partial<RunInstancesRequest> {
  const groups = spec.SecurityGroups ?? [];
  return {
    ImageId: spec.ImageId,
    InstanceType: spec.InstanceType,
    KeyName: spec.KeyName,
    SubnetId: firstOf(spec.SubnetId),
    Placement: spec.Placement?.AvailabilityZone
      ? { AvailabilityZone: firstOf(spec.Placement.AvailabilityZone) }
      : undefined,
    SecurityGroupIds: groups.flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
    SecurityGroups: groups.flatMap((g) => (!g.GroupId && g.GroupName ? [g.GroupName] : [])),
    UserData: spec.UserData,
    IamInstanceProfile: spec.IamInstanceProfile,
    TagSpecifications: spec.TagSpecifications,
  };
}

const maxPriceOf = (price: string | undefined) => (price === undefined ? undefined : Number(price));

/** A template-based pool with one override applied. */
function overridden(
  base: Partial<RunInstancesRequest>,
  override: LaunchTemplateOverrides & { ImageId?: string; MaxPrice?: string },
): Partial<RunInstancesRequest> {
  return {
    ...base,
    InstanceType: override.InstanceType ?? base.InstanceType,
    ImageId: override.ImageId ?? base.ImageId,
    SubnetId: firstOf(override.SubnetId) ?? base.SubnetId,
    Placement: override.AvailabilityZone
      ? { AvailabilityZone: override.AvailabilityZone }
      : base.Placement,
  };
}

/** The pools of a Spot Fleet request (launch specifications or launch template configs). */
export function spotFleetPools(ctx: Ec2Context, config: SpotFleetRequestConfigData): BasePool[] {
  const fleetMax = maxPriceOf(config.SpotPrice);
  const specs = (config.LaunchSpecifications ?? []).map((spec): BasePool => {
    const weight = spec.WeightedCapacity ?? 1;
    const own = maxPriceOf(spec.SpotPrice);
    return {
      spec: resolveLaunch(ctx, fromSpotSpec(spec), true),
      weight,
      maxPrice: own ?? (fleetMax === undefined ? undefined : fleetMax * weight),
    };
  });
  const templated = (config.LaunchTemplateConfigs ?? []).flatMap((c) => {
    const base = asRunInput(findTemplate(ctx, c.LaunchTemplateSpecification ?? {}).data);
    return (c.Overrides?.length ? c.Overrides : [{}]).map((o): BasePool => {
      const weight = o.WeightedCapacity ?? 1;
      return {
        spec: resolveLaunch(ctx, overridden(base, o), true),
        weight,
        maxPrice:
          maxPriceOf(o.SpotPrice) ?? (fleetMax === undefined ? undefined : fleetMax * weight),
        priority: o.Priority,
      };
    });
  });
  return [...specs, ...templated];
}

/** The pools of an EC2 Fleet request; each remembers the template and override it came from. */
export function fleetPools(
  ctx: Ec2Context,
  configs: FleetLaunchTemplateConfigRequest[],
): (BasePool & { source: { config: FleetLaunchTemplateConfigRequest; override?: object } })[] {
  return configs.flatMap((config) => {
    const spec = config.LaunchTemplateSpecification ?? {};
    const template = findTemplate(ctx, spec);
    const base = asRunInput(template.data);
    const overrides = config.Overrides?.length ? config.Overrides : [undefined];
    return overrides.map((o) => {
      const weight = o?.WeightedCapacity ?? 1;
      return {
        spec: resolveLaunch(ctx, o ? overridden(base, o) : base, false),
        weight,
        maxPrice: maxPriceOf(o?.MaxPrice),
        priority: o?.Priority,
        source: { config, override: o },
      };
    });
  });
}
