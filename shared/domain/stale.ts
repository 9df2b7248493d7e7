/** Optimistic locking: a write lost the race with another writer of the same annex. */

import { ConflictError } from "./errors.ts";

/** The annex changed since it was read (its `version` moved on); re-read and decide again. */
export class StaleAnnexError extends ConflictError {
  override readonly code = "ConcurrentUpdate";
  constructor(annexId: string, options?: { cause?: unknown }) {
    super(`annex ${annexId} was changed by another request; retry`, options);
    this.name = "StaleAnnexError";
  }
}
