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
