/**
 * The EC2 Fleet part of `annex create`: `-cores N` (or `-count N`) over `-aws-instance-types` or
 * `-aws-vcpus`/`-aws-memory-per-vcpu` ranges, `-spot` / `-on-demand` / `-spot-percent N`,
 * `-replace-interrupted`; and the line the confirmation question shows for it.
 */
import { type FleetRequirements, marketsPhrase, typesPhrase } from "../shared/domain/fleet.ts";
import type { Fleet } from "./api.ts";
import type { Invocation } from "./args.ts";
import { parseCount } from "./checks.ts";
import { UsageError } from "./errors.ts";

/** The `fleet` member of the create request. */
export interface FleetBody {
  instanceTypes?: string[];
  vcpus?: { min: number; max?: number };
  memoryPerVcpuGiB?: { min?: number; max?: number };
  spotPercent?: number;
  onDemandFallback?: boolean;
  replaceInterrupted?: boolean;
}

/** `2-8`, `2-` (no upper bound), `4` (exactly): a range of numbers for -flag. */
function range(value: string, flag: string, whole: boolean): { min?: number; max?: number } {
  const number = whole ? "\\d+" : "\\d+(?:\\.\\d+)?|\\.\\d+";
  const match = new RegExp(`^\\s*(${number})?\\s*(-)?\\s*(${number})?\\s*$`).exec(value);
  const [, min, dash, max] = match ?? [];
  if (!match || (min === undefined && max === undefined) || (!dash && max !== undefined))
    throw new UsageError(
      `-${flag} wants MIN-MAX ${whole ? "vCPUs, such as 2-8" : "GiB, such as 2-4"} (MIN- for no upper bound).`,
    );
  const low = min === undefined ? undefined : Number(min);
  const high = max === undefined ? (dash ? undefined : low) : Number(max);
  return {
    ...(low === undefined ? {} : { min: low }),
    ...(high === undefined ? {} : { max: high }),
  };
}

function markets(invocation: Invocation): Pick<FleetBody, "spotPercent" | "onDemandFallback"> {
  const { options, given } = invocation;
  if (options.onDemandOnly && (options.spot || given.has("spot-percent")))
    throw new UsageError("-on-demand contradicts -spot and -spot-percent; give one.");
  if (options.onDemandOnly) return { spotPercent: 0 };
  const percent = options.spotPercent;
  if (percent !== undefined && !/^\s*\d+\s*$/.test(percent))
    throw new UsageError("-spot-percent requires a whole number from 0 to 100.");
  return {
    ...(percent === undefined ? {} : { spotPercent: Number(percent) }),
    ...(options.spot ? { onDemandFallback: false } : {}),
  };
}

/** The capacity and `fleet` fields of a fleet create, from the command line. */
export function fleetFields(invocation: Invocation): {
  cores?: number;
  count?: number;
  imageId?: string;
  fleet: FleetBody;
} {
  const { options, given } = invocation;
  for (const flag of ["slots", "aws-spot-fleet-config-file", "aws-on-demand-instance-type"]) {
    if (given.has(flag))
      throw new UsageError(`-${flag} is not for fleet annexes (-cores, -aws-instance-types, …).`);
  }
  if ((options.cores === undefined) === (options.count === undefined))
    throw new UsageError("a fleet annex needs -cores N (vCPUs) or -count N (instances), not both.");
  if ((options.instanceTypes === undefined) === (options.vcpus === undefined))
    throw new UsageError(
      "a fleet annex needs -aws-instance-types T1,T2,… or -aws-vcpus MIN-MAX (attribute-based), not both.",
    );
  const vcpus = options.vcpus === undefined ? undefined : range(options.vcpus, "aws-vcpus", true);
  const memory = options.memoryPerVcpu;
  const fleet: FleetBody = {
    ...(options.instanceTypes === undefined
      ? {}
      : { instanceTypes: options.instanceTypes.split(/[\s,]+/).filter((t) => t.length > 0) }),
    ...(vcpus === undefined ? {} : { vcpus: vcpus as { min: number; max?: number } }),
    ...(memory === undefined
      ? {}
      : { memoryPerVcpuGiB: range(memory, "aws-memory-per-vcpu", false) }),
    ...markets(invocation),
    ...(options.replaceInterrupted ? { replaceInterrupted: true } : {}),
  };
  return {
    ...(options.cores === undefined ? {} : { cores: parseCount(options.cores, "cores") }),
    ...(options.count === undefined ? {} : { count: parseCount(options.count, "count") }),
    ...(options.imageId === undefined ? {} : { imageId: options.imageId }),
    fleet,
  };
}

function requirementsOf(fleet: FleetBody): FleetRequirements | undefined {
  if (fleet.vcpus === undefined) return undefined;
  return {
    vcpus: fleet.vcpus,
    ...(fleet.memoryPerVcpuGiB ? { memoryPerVcpuGiB: fleet.memoryPerVcpuGiB } : {}),
  };
}

/** "100 cores (spot, falling back to on-demand)" and where they come from, for the question. */
export function fleetSummary(
  body: { cores?: number; count?: number; fleet?: FleetBody },
  lease: string,
): string[] {
  const fleet = body.fleet ?? {};
  const n = body.cores ?? body.count ?? 0;
  const unit =
    body.cores !== undefined ? (n === 1 ? "core" : "cores") : n === 1 ? "instance" : "instances";
  const phrase = marketsPhrase({
    spotPercent: fleet.spotPercent ?? 100,
    onDemandFallback: fleet.onDemandFallback ?? true,
  });
  const replace = fleet.replaceInterrupted ? "; interrupted spot instances are replaced" : "";
  return [
    `Will request ${n} ${unit} (${phrase}) ${lease}`,
    `They come from ${typesPhrase({ instanceTypes: fleet.instanceTypes, requirements: requirementsOf(fleet) })}, the cheapest per core first, in every zone of the pool's VPC${replace}.`,
  ];
}

/** What a fleet's launch gave, when it is not simply everything on the first market asked. */
export function fleetCapacityLines(annex: { fleet?: Fleet | null | undefined }): string[] {
  const fleet = annex.fleet;
  if (!fleet) return [];
  const unit = fleet.capacityUnit === "vcpu" ? "cores" : "instances";
  const lines: string[] = [];
  const fellBack = fleet.launch?.fellBack ?? 0;
  if (fellBack > 0)
    lines.push(`Spot was short: ${fellBack} ${unit} were requested on demand instead.`);
  const got = fleet.fulfilledCapacity;
  const target = fleet.targetCapacity;
  if (got < target)
    lines.push(
      `Only ${got} of ${target} ${unit} could be started (not enough EC2 capacity); the annex will run with ${got}.`,
    );
  return lines;
}
