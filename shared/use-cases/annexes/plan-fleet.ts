/**
 * What a fleet annex will ask EC2, settled before anything is written: the instance types exist
 * (and weigh their vCPUs) or the vCPU/memory ranges match some type, the target stays within the
 * pool's count limit in instances, the subnets of every zone, and the pools lately out of capacity.
 */

import { ValidationError } from "../../domain/errors.ts";
import {
  type FleetAsk,
  type FleetRequirements,
  MAX_FLEET_OVERRIDES,
  maxInstances,
  typesPhrase,
  unitName,
} from "../../domain/fleet.ts";
import { UnknownInstanceTypesError } from "../../domain/launch-errors.ts";
import type { FleetRequest } from "../../domain/requests/create-annex.ts";
import type { Limits } from "../../domain/settings.ts";
import type { AnnexPorts } from "./ports.ts";

type PlanPorts = Pick<AnnexPorts, "catalog" | "capacityMemory">;

/** The fleet's ask, or a ValidationError naming the field at fault (nothing has been written yet). */
export async function planFleet(
  ports: PlanPorts,
  request: FleetRequest,
  securityGroupIds: string[],
  limits: Limits,
  now: number,
): Promise<FleetAsk> {
  const capacityUnit = request.cores !== undefined ? "vcpu" : "instance";
  const targetCapacity = request.cores ?? request.count ?? 0;
  const requirements = requirementsOf(request);
  const weights = requirements ? undefined : await weightsOf(ports, request, capacityUnit);
  if (requirements && (await ports.catalog.typesMatching(requirements)).length === 0)
    throw new ValidationError([
      {
        path: "fleet.vcpus",
        message: `no instance type matches: ${typesPhrase({ requirements })}`,
      },
    ]);
  const ask = { capacityUnit, targetCapacity, weights, requirements } as const;
  const most = maxInstances(ask);
  if (most > limits.maxCount) {
    const field = capacityUnit === "vcpu" ? "cores" : "count";
    throw new ValidationError([
      {
        path: field,
        message: `${targetCapacity} ${unitName(capacityUnit, targetCapacity)} may take up to ${most} instances; the pool allows at most ${limits.maxCount}`,
      },
    ]);
  }
  const subnets = await ports.catalog.subnetsPerZone(securityGroupIds);
  const overrides = subnets.length * Math.max(1, Object.keys(weights ?? {}).length);
  if (subnets.length === 0 || overrides > MAX_FLEET_OVERRIDES)
    throw new ValidationError([
      {
        path: "fleet.instanceTypes",
        message:
          subnets.length === 0
            ? "the pool's VPC has no subnet to launch into"
            : `${overrides} type and zone pairs exceed EC2 Fleet's ${MAX_FLEET_OVERRIDES}: list fewer types`,
      },
    ]);
  return {
    ...ask,
    ...(weights ? { weights } : {}),
    spotPercent: request.fleet.spotPercent,
    onDemandFallback: request.fleet.onDemandFallback,
    replaceInterrupted: request.fleet.replaceInterrupted,
    subnets,
    skippedPools: await ports.capacityMemory.recent(now),
  };
}

function requirementsOf(request: FleetRequest): FleetRequirements | undefined {
  const { vcpus, memoryPerVcpuGiB } = request.fleet;
  if (vcpus === undefined) return undefined;
  return {
    vcpus: { min: vcpus.min, ...(vcpus.max === undefined ? {} : { max: vcpus.max }) },
    ...(memoryPerVcpuGiB === undefined ? {} : { memoryPerVcpuGiB }),
  };
}

/** Each listed type's weight: its vCPUs (capacity in vCPUs) or 1 (in instances). */
async function weightsOf(
  ports: PlanPorts,
  request: FleetRequest,
  unit: FleetAsk["capacityUnit"],
): Promise<Record<string, number>> {
  const types = request.fleet.instanceTypes ?? [];
  try {
    const infos = await ports.catalog.instanceTypes(types);
    const vcpus = new Map(infos.map((info) => [info.instanceType, info.vcpus]));
    const missing = types.filter((type) => !((vcpus.get(type) ?? 0) > 0));
    if (missing.length > 0) throw new UnknownInstanceTypesError(missing);
    return Object.fromEntries(
      types.map((type) => [type, unit === "vcpu" ? (vcpus.get(type) as number) : 1]),
    );
  } catch (error) {
    if (!(error instanceof UnknownInstanceTypesError)) throw error;
    throw new ValidationError(
      error.instanceTypes.map((type) => ({
        path: `fleet.instanceTypes${types.includes(type) ? `[${types.indexOf(type)}]` : ""}`,
        message: `EC2 has no instance type ${type}`,
      })),
      { cause: error },
    );
  }
}
