/** EC2 Fleet's shapes in the domain's terms: overrides and requirements out, instances and errors in. */

import type {
  CreateFleetError,
  CreateFleetInstance,
  FleetLaunchTemplateOverridesRequest,
  InstanceRequirementsRequest,
} from "@aws-sdk/client-ec2";
import type { FleetOverride, FleetRequirements, Market } from "../../domain/fleet.ts";
import type { FleetError, FleetInstance } from "../../ports/ec2-fleets.ts";

/** Attribute-based selection in EC2's terms (MemoryMiB is required: no lower bound). */
export function instanceRequirements(
  r: FleetRequirements,
  excluded?: readonly string[],
): InstanceRequirementsRequest {
  return {
    VCpuCount: { Min: r.vcpus.min, Max: r.vcpus.max },
    MemoryMiB: { Min: 0 },
    ...(r.memoryPerVcpuGiB
      ? { MemoryGiBPerVCpu: { Min: r.memoryPerVcpuGiB.min, Max: r.memoryPerVcpuGiB.max } }
      : {}),
    ...(excluded && excluded.length > 0 ? { ExcludedInstanceTypes: [...excluded] } : {}),
  };
}

/** One launch template override: a subnet with a type and its weight, or requirements. */
export function override(o: FleetOverride): FleetLaunchTemplateOverridesRequest {
  return o.requirements
    ? {
        SubnetId: o.subnetId,
        InstanceRequirements: instanceRequirements(o.requirements, o.excludedTypes),
      }
    : { SubnetId: o.subnetId, InstanceType: o.instanceType as never, WeightedCapacity: o.weight };
}

const marketOf = (lifecycle: string | undefined): Market =>
  lifecycle === "spot" ? "spot" : "on-demand";

/** The instances of an instant fleet's answer, one per id. */
export function instancesOf(entries: CreateFleetInstance[]): FleetInstance[] {
  return entries.flatMap((entry) =>
    (entry.InstanceIds ?? []).map((instanceId) => ({
      instanceId,
      instanceType:
        entry.InstanceType ?? entry.LaunchTemplateAndOverrides?.Overrides?.InstanceType ?? "",
      subnetId: entry.LaunchTemplateAndOverrides?.Overrides?.SubnetId,
      market: marketOf(entry.Lifecycle),
    })),
  );
}

/** The pools an instant fleet's answer says it could not fill. */
export function errorsOf(entries: CreateFleetError[]): FleetError[] {
  return entries.map((entry) => ({
    instanceType: entry.LaunchTemplateAndOverrides?.Overrides?.InstanceType,
    subnetId: entry.LaunchTemplateAndOverrides?.Overrides?.SubnetId,
    market: marketOf(entry.Lifecycle),
    code: entry.ErrorCode ?? "",
    message: entry.ErrorMessage ?? "",
  }));
}
