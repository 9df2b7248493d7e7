/** Why EC2 launched nothing for an annex, in words a user can act on. */

import { DomainError } from "./errors.ts";

/** EC2 has no capacity for the instance type now (InsufficientInstanceCapacity): 503. */
export class CapacityError extends DomainError {
  readonly code = "InsufficientCapacity";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CapacityError";
  }
}

/** EC2 refused the launch parameters (unknown image, security group, key pair…): 422. */
export class LaunchRejectedError extends DomainError {
  readonly code = "LaunchRejected";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LaunchRejectedError";
  }
}

/** EC2 kept throttling or failing after the SDK's retries: 503. A retry with the same client token is safe. */
export class Ec2UnavailableError extends DomainError {
  readonly code = "Ec2Unavailable";
  constructor(cause: string, options?: { cause?: unknown }) {
    super(
      `EC2 is throttling or failing right now (${cause}); retry the same request: it will not launch twice`,
      options,
    );
    this.name = "Ec2UnavailableError";
  }
}
