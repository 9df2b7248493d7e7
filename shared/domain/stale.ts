/** Optimistic locking: a write lost the race with another writer of the same item. */

import { ConflictError, type ErrorOptions } from "./errors.ts";

/** An item changed since it was read (its `version` moved on): re-read and decide again. 409. */
export abstract class StaleWriteError extends ConflictError {
  override readonly code = "ConcurrentUpdate";
}

/** The annex changed since it was read. */
export class StaleAnnexError extends StaleWriteError {
  constructor(annexId: string, options?: ErrorOptions) {
    super(`annex ${annexId} was changed by another request; retry`, options);
    this.name = "StaleAnnexError";
  }
}

/** The instance record changed since it was read (a heartbeat, an EC2 event, a sweep). */
export class StaleInstanceError extends StaleWriteError {
  constructor(instanceId: string, options?: ErrorOptions) {
    super(`instance ${instanceId} was changed by another request`, options);
    this.name = "StaleInstanceError";
  }
}
