/**
 * EC2's errors in the domain's terms. The only place that reads the SDK's error shapes (`name`,
 * `$fault`, the ids in a message); the core sees domain errors only.
 */

import {
  CapacityError,
  Ec2UnavailableError,
  isCapacityCode,
  LaunchRejectedError,
  TerminateRefusedError,
  ThrottledError,
  UnknownInstancesError,
} from "../../domain/launch-errors.ts";
import { shapeOf } from "./sdk-errors.ts";

const THROTTLING = new Set(["RequestLimitExceeded", "Throttling", "ThrottlingException"]);
/** Refusals of the request or of the account (quotas, verification, opt-in): retrying won't help. */
const REJECTED =
  /^(Invalid|Unsupported|VcpuLimitExceeded|InstanceLimitExceeded|MaxSpotInstanceCountExceeded|PendingVerification|OptInRequired|MissingParameter|Unauthorized)/;

/** A RunInstances / RequestSpotFleet error: capacity, rejected parameters, throttling or 5xx. */
export function translateLaunchError(error: unknown): unknown {
  const { name, message, fault } = shapeOf(error);
  if (isCapacityCode(name))
    return new CapacityError(`EC2 has no capacity now: ${message}`, { cause: error });
  if (REJECTED.test(name))
    return new LaunchRejectedError(`EC2 refused the launch (${name}): ${message}`, {
      cause: error,
    });
  if (fault === "server" || THROTTLING.has(name))
    return new Ec2UnavailableError(name, { cause: error });
  return error;
}

/**
 * A TerminateInstances error: ids EC2 does not know (named in its message), throttling, or a
 * refusal of the call itself (any other client fault). Server faults stay as they are.
 */
export function translateTerminateError(error: unknown): unknown {
  const { name, message, fault } = shapeOf(error);
  const ids = message.match(/i-[0-9a-f]+/g) ?? [];
  if (name === "InvalidInstanceID.NotFound" && ids.length > 0)
    return new UnknownInstancesError(ids, { cause: error });
  if (THROTTLING.has(name)) return new ThrottledError(name, { cause: error });
  if (fault === "client")
    return new TerminateRefusedError(name || "client error", { cause: error });
  return error;
}
