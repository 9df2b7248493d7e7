/**
 * An instant fleet's answer: `Instances` grouped by launch template, overrides, lifecycle and
 * type, and `Errors` grouped by launch template, overrides, lifecycle and code, each with EC2's
 * message. Attribute-based overrides name the type that was chosen.
 */

import type {
  CreateFleetError,
  CreateFleetInstance,
  FleetLaunchTemplateOverrides,
  LaunchTemplateAndOverridesResponse,
} from "@aws-sdk/client-ec2";
import type { Pool, PoolFailure } from "../core/allocation.ts";
import type { FleetLaunch } from "../core/fleet-launch.ts";
import type { BasePool } from "../core/fleet-pools.ts";
import { capacityMessage } from "./capacity.ts";

function andOverrides(pool: Pool, base: BasePool | undefined): LaunchTemplateAndOverridesResponse {
  const spec = base?.source?.config.LaunchTemplateSpecification ?? {};
  const override = base?.source?.override as FleetLaunchTemplateOverrides | undefined;
  const abs =
    override?.InstanceRequirements !== undefined || (!override?.InstanceType && base?.requirements);
  return {
    LaunchTemplateSpecification: {
      LaunchTemplateId: spec.LaunchTemplateId,
      LaunchTemplateName: spec.LaunchTemplateName,
      Version: spec.Version ?? "1",
    },
    Overrides:
      override || abs
        ? {
            ...override,
            InstanceType: abs ? (pool.spec.instanceType as never) : override?.InstanceType,
          }
        : undefined,
  };
}

const groupKey = (value: object) => JSON.stringify(value);

/** The answer's `Instances`: one entry per template, overrides, lifecycle and type. */
export function instancesOf(launches: FleetLaunch[], source: (p: Pool) => BasePool | undefined) {
  const groups = new Map<string, CreateFleetInstance>();
  for (const l of launches) {
    const entry = {
      LaunchTemplateAndOverrides: andOverrides(l.pool, source(l.pool)),
      Lifecycle: l.lifecycle,
      InstanceType: l.pool.spec.instanceType as CreateFleetInstance["InstanceType"],
    };
    const k = groupKey(entry);
    const existing = groups.get(k) ?? { ...entry, InstanceIds: [] };
    existing.InstanceIds?.push(...l.instances.map((i) => i.id));
    groups.set(k, existing);
  }
  return [...groups.values()];
}

/** The answer's `Errors`: one entry per template, overrides, lifecycle and error code. */
export function errorsOf(
  ctx: Parameters<typeof capacityMessage>[0],
  failures: PoolFailure[],
  source: (p: Pool) => BasePool | undefined,
) {
  const groups = new Map<string, CreateFleetError>();
  for (const { pool, code } of failures) {
    const type = pool.spec.instanceType;
    const zone = pool.spec.subnet.availabilityZone;
    const message =
      code === "InsufficientInstanceCapacity"
        ? capacityMessage(ctx, type, zone, pool.market)
        : code === "SpotMaxPriceTooLow"
          ? `Your Spot request price of ${pool.maxPrice} is lower than the minimum required Spot request fulfillment price of ${pool.price}.`
          : (pool.invalid?.message ?? code);
    const entry = {
      LaunchTemplateAndOverrides: andOverrides(pool, source(pool)),
      Lifecycle: pool.market,
      ErrorCode: code,
    };
    if (!groups.has(groupKey(entry)))
      groups.set(groupKey(entry), { ...entry, ErrorMessage: message });
  }
  return [...groups.values()];
}
