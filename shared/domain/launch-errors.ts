/** What EC2 did not do for an annex (launch, terminate), in words a user can act on. */

import type { Annex } from "./annex.ts";
import { DomainError, type ErrorOptions } from "./errors.ts";

/**
 * Whether an EC2 error code means "no capacity here now": the instance type in the zone
 * (InsufficientInstanceCapacity), the subnet's free addresses (InsufficientFreeAddressesInSubnet),
 * hosts, volumes, addresses, reservations (the other Insufficient… codes), or a fleet that could not
 * be filled (UnfulfillableCapacity). A retry later, or elsewhere, may succeed.
 */
export function isCapacityCode(code: string): boolean {
  return /^(Insufficient[A-Za-z]*(Capacity|InSubnet)|UnfulfillableCapacity)$/.test(code);
}

/** EC2 has no capacity for the instance type now (InsufficientInstanceCapacity and kin): 503. */
export class CapacityError extends DomainError {
  readonly code = "InsufficientCapacity";
  readonly status = 503;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CapacityError";
  }
}

/** EC2 refused the launch parameters (unknown image, security group, key pair…): 422. */
export class LaunchRejectedError extends DomainError {
  readonly code = "LaunchRejected";
  readonly status = 422;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LaunchRejectedError";
  }
}

/** EC2 kept throttling or failing after the SDK's retries: 503. A retry with the same client token is safe. */
export class Ec2UnavailableError extends DomainError {
  readonly code = "Ec2Unavailable";
  readonly status = 503;
  constructor(cause: string, options?: ErrorOptions) {
    super(
      `EC2 is throttling or failing right now (${cause}); retry the same request: it will not launch twice`,
      options,
    );
    this.name = "Ec2UnavailableError";
  }
}

/** EC2 throttled a call other than a launch (RequestLimitExceeded and the like) past the SDK's retries: 503. */
export class ThrottledError extends Ec2UnavailableError {
  constructor(cause: string, options?: ErrorOptions) {
    super(cause, options);
    this.message = `EC2 is throttling requests right now (${cause}); retry later`;
    this.name = "ThrottledError";
  }
}

/**
 * EC2 refused a TerminateInstances call itself (a client fault that is not throttling, e.g.
 * UnauthorizedOperation or termination protection): part of the batch may still pass alone. 502.
 */
export class TerminateRefusedError extends DomainError {
  readonly code = "TerminateRefused";
  readonly status = 502;
  constructor(reason: string, options?: ErrorOptions) {
    super(`EC2 refused to terminate the instances (${reason})`, options);
    this.name = "TerminateRefusedError";
  }
}

/** EC2 knows none of these instance ids (InvalidInstanceID.NotFound), e.g. long terminated: 404. */
export class UnknownInstancesError extends DomainError {
  readonly code = "UnknownInstances";
  readonly status = 404;
  constructor(
    readonly instanceIds: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`EC2 does not know ${instanceIds.join(", ") || "these instances"}`, options);
    this.name = "UnknownInstancesError";
  }
}

/** EC2 knows none of these instance types (DescribeInstanceTypes' InvalidInstanceType): 422. */
export class UnknownInstanceTypesError extends DomainError {
  readonly code = "UnknownInstanceTypes";
  readonly status = 422;
  constructor(
    readonly instanceTypes: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`EC2 has no instance type ${instanceTypes.join(", ") || "of these names"}`, options);
    this.name = "UnknownInstanceTypesError";
  }
}

/**
 * The error a create answers with for an annex that ended `failed` (now, or on an earlier call
 * with the same client token): its stored failure code says which, `details` carry the annex.
 */
export function launchFailure(
  annex: Pick<Annex, "failureCode" | "failureReason">,
  details: Readonly<Record<string, unknown>>,
): CapacityError | LaunchRejectedError {
  return annex.failureCode === "InsufficientCapacity"
    ? new CapacityError(annex.failureReason ?? "no capacity", { details })
    : new LaunchRejectedError(annex.failureReason ?? "launch refused", { details });
}
