/**
 * The capacity pools a Spot Fleet or EC2 Fleet request describes: every launch specification or
 * launch template override, expanded to one pool per instance type (several with
 * InstanceRequirements, matched to the image's architecture) and per subnet (every default subnet
 * when none is named, so that EC2 picks the zone), each a checked launch specification.
 */

import type {
  FleetLaunchTemplateConfigRequest,
  FleetLaunchTemplateOverridesRequest,
  InstanceRequirements,
  RunInstancesRequest,
} from "@aws-sdk/client-ec2";
import { instanceTypes } from "../pricing.ts";
import { invalidCombination, invalidParameter, invalidValue } from "../protocol/errors.ts";
import type { Ec2Context } from "./context.ts";
import { architectureMismatch, imageArchitecture } from "./images.ts";
import { checkRequirements, matchingTypes } from "./instance-requirements.ts";
import type { LaunchSpec } from "./launch.ts";
import { defaultVpc, zonesOf } from "./network.ts";
import { resolveImage } from "./resolve.ts";
import { resolveLaunch } from "./resolve-launch.ts";
import { asRunInput, findTemplate } from "./templates.ts";

export type UnitType = "units" | "vcpu" | "memory-mib";

/** A pool before it is priced for a market. */
export interface BasePool {
  spec: LaunchSpec;
  weight: number;
  maxPrice?: number;
  priority?: number;
  invalid?: { code: string; message: string };
  /** Set for attribute-based pools (price protection applies to them). */
  requirements?: InstanceRequirements;
  /** The launch template config and override the pool came from (EC2 Fleet answers name them). */
  source?: {
    config: FleetLaunchTemplateConfigRequest;
    override?: FleetLaunchTemplateOverridesRequest;
  };
}

export type Override = FleetLaunchTemplateOverridesRequest & { SpotPrice?: string };

export interface Options {
  unitType: UnitType;
  /** Instant fleets: one subnet per override. */
  singleSubnet: boolean;
  /** Spot Fleet's fleet-wide SpotPrice, per unit-hour. */
  fleetMaxPrice?: number;
}

const list = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
export const priceOf = (value: string | undefined) =>
  value === undefined ? undefined : Number(value);

function typesOf(
  ctx: Ec2Context,
  input: Partial<RunInstancesRequest>,
  o: Override | undefined,
  templateRequirements: InstanceRequirements | undefined,
): { types: (string | undefined)[]; requirements?: InstanceRequirements } {
  if (o?.InstanceRequirements && o.InstanceType)
    throw invalidCombination(
      "An override can specify InstanceType or InstanceRequirements, not both.",
    );
  const requirements =
    o?.InstanceRequirements ?? (o?.InstanceType ? undefined : templateRequirements);
  if (!requirements) return { types: [o?.InstanceType ?? input.InstanceType] };
  checkRequirements(requirements);
  const architecture = imageArchitecture(ctx, resolveImage(ctx, input.ImageId));
  return { types: matchingTypes(requirements, [architecture]), requirements };
}

type Where = Pick<RunInstancesRequest, "SubnetId" | "Placement">;

function placesOf(
  ctx: Ec2Context,
  base: Partial<RunInstancesRequest>,
  o: Override | undefined,
  single: boolean,
): Where[] {
  const ids = list(o?.SubnetId ?? base.SubnetId);
  if (single && ids.length > 1)
    throw invalidParameter("A fleet of type instant can have only one subnet ID per override.");
  if (ids.length > 0) return ids.map((id) => ({ SubnetId: id }));
  const byZoneId = zonesOf(ctx.region).find((z) => z.id === o?.AvailabilityZoneId)?.name;
  const zones = list(
    o?.AvailabilityZone ??
      o?.Placement?.AvailabilityZone ??
      byZoneId ??
      base.Placement?.AvailabilityZone,
  );
  if (zones.length > 0) return zones.map((zone) => ({ Placement: { AvailabilityZone: zone } }));
  const vpc = defaultVpc(ctx).id;
  return Object.values(ctx.state.subnets)
    .filter((s) => s.vpcId === vpc)
    .map((s) => ({ SubnetId: s.id }));
}

function weightOf(type: string, o: Override | undefined, abs: boolean, unitType: UnitType) {
  const info = instanceTypes.get(type);
  if (abs && info && unitType === "vcpu") return info.vcpus;
  if (abs && info && unitType === "memory-mib") return info.memoryMiB;
  const weight = o?.WeightedCapacity ?? 1;
  if (!(weight > 0)) throw invalidValue("WeightedCapacity", weight);
  return weight;
}

/** The pools of one launch specification (`base`) with one override applied. */
export function expand(
  ctx: Ec2Context,
  base: Partial<RunInstancesRequest>,
  o: Override | undefined,
  options: Options,
  templateRequirements?: InstanceRequirements,
): BasePool[] {
  const input: Partial<RunInstancesRequest> = {
    ...base,
    ImageId: o?.ImageId ?? base.ImageId,
    KeyName: o?.KeyName ?? base.KeyName,
    IamInstanceProfile: o?.IamInstanceProfile ?? base.IamInstanceProfile,
    MetadataOptions:
      (o?.MetadataOptions as RunInstancesRequest["MetadataOptions"]) ?? base.MetadataOptions,
    SubnetId: undefined,
    Placement: undefined,
  };
  const { types, requirements } = typesOf(ctx, input, o, templateRequirements);
  return placesOf(ctx, base, o, options.singleSubnet).flatMap((where) =>
    types.map((type): BasePool => {
      const spec = resolveLaunch(ctx, { ...input, ...where, InstanceType: type as never }, false);
      const weight = weightOf(spec.instanceType, o, requirements !== undefined, options.unitType);
      const fleetMax = options.fleetMaxPrice;
      const mismatch = architectureMismatch(ctx, spec.instanceType, spec.imageId);
      return {
        spec,
        weight,
        maxPrice: priceOf(o?.MaxPrice ?? o?.SpotPrice) ?? (fleetMax && fleetMax * weight),
        priority: o?.Priority,
        requirements,
        invalid: mismatch ? { code: "InvalidFleetConfiguration", message: mismatch } : undefined,
      };
    }),
  );
}

/** The pools of an EC2 Fleet request; each remembers the template config and override it came from. */
export function fleetPools(
  ctx: Ec2Context,
  configs: FleetLaunchTemplateConfigRequest[],
  options: Omit<Options, "fleetMaxPrice">,
): BasePool[] {
  return configs.flatMap((config) => {
    const data = findTemplate(ctx, config.LaunchTemplateSpecification ?? {}).data;
    const overrides = config.Overrides?.length ? config.Overrides : [undefined];
    return overrides.flatMap((override) =>
      expand(ctx, asRunInput(data), override, options, data.InstanceRequirements).map((pool) => ({
        ...pool,
        source: { config, override },
      })),
    );
  });
}
