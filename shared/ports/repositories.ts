/**
 * Where annexes, their instances and their audit trail are kept (DynamoDB in AWS): the ports the
 * use-cases and the enforcer read and write through. Saves are versioned (optimistic locking).
 */

import type { Annex, AnnexEvent, AnnexInstance } from "../domain/annex.ts";

/** A claim on a client token: the annex it made and the hash of the request that made it. */
export interface TokenClaim {
  annexId: string;
  requestHash: string;
}

/** When the enforcer's periodic orphan sweeps last ran (epoch seconds); absent before the first. */
export interface SweepMarks {
  /** The lease-tag window sweep: instances whose `annex:lease-expires` fell since then. */
  tagSweepAt?: number;
  /** The full sweep of every instance tagged `annex:id`. */
  fullSweepAt?: number;
  /** The poll of the spot prices of live annexes' instance types. */
  spotPriceAt?: number;
}

/** Where a paged read goes on from; opaque to the core. */
export type PageKey = Record<string, unknown>;

/** One page of a paged index read. */
export interface Page<T> {
  items: T[];
  /** Items the page read from the index (what the enforcer's cost is counted in). */
  itemsRead: number;
  /** Where the next page starts; undefined on the last. */
  next: PageKey | undefined;
}

/** Claims in an owner's partition: on client tokens (idempotency) and on the names of live annexes. */
export interface ClaimRepository {
  /** Claims `clientToken` for a new annex, or returns the claim that already holds it. */
  claimToken(owner: string, clientToken: string, claim: TokenClaim): Promise<TokenClaim>;
  /** Forgets a client token whose annex was never created (its name was in use). */
  releaseToken(owner: string, clientToken: string, annexId: string): Promise<void>;
  /** Claims `name` among the owner's live annexes (NameInUseError when a live one has it). */
  claimName(owner: string, name: string, annexId: string): Promise<void>;
  /** Releases the owner's claim on `name` if `annexId` still holds it. */
  releaseName(owner: string, name: string, annexId: string): Promise<void>;
}

/** Annexes: versioned saves, lookups by name and owner, and the enforcer's index reads. */
export interface AnnexRepository {
  /** Writes a new annex (the write-ahead record); false (nothing written) if it already exists. */
  createAnnex(annex: Annex): Promise<boolean>;
  /** Saves `annex` if its stored version is still `annex.version` (else StaleAnnexError); returns it with the next. */
  saveAnnex(annex: Annex, now: number): Promise<Annex>;
  getAnnex(annexId: string): Promise<Annex | undefined>;
  /** The owner's live annex called `name`, else the latest ended one. */
  findByName(owner: string, name: string): Promise<Annex | undefined>;
  /** The owner's annexes, oldest first. */
  listByOwner(owner: string): Promise<Annex[]>;
  /**
   * Live annexes due at or before `now`, earliest first: their effective end (lease end or budget
   * deadline) or a budget mark has come (`annexDueAt`).
   */
  dueAnnexes(now: number, limit: number, startKey?: PageKey): Promise<Page<Annex>>;
  /** Every live annex (the hourly orphan backstop; never the per-minute sweep). */
  liveAnnexes(limit: number, startKey?: PageKey): Promise<Page<Annex>>;
  sweepMarks(): Promise<SweepMarks>;
  /** Moves one sweep mark forward to `at`; a mark never moves back. */
  advanceSweepMark(mark: keyof SweepMarks, at: number): Promise<void>;
  /** Takes the enforcer's lock for `holder` until `until` (epoch seconds) if it is free or has expired. */
  takeSweepLock(holder: string, now: number, until: number): Promise<boolean>;
  /** Frees the enforcer's lock if `holder` still holds it. */
  releaseSweepLock(holder: string): Promise<void>;
}

/** Instance records (with their next deadline for the enforcer) and the audit trail. */
export interface InstanceRepository {
  /** Records newly launched instances; ones already recorded are left as they are. */
  addInstances(instances: AnnexInstance[]): Promise<void>;
  /** Saves an instance if its stored version is still `instance.version` (else StaleInstanceError). */
  saveInstance(instance: AnnexInstance): Promise<AnnexInstance>;
  getInstance(annexId: string, instanceId: string): Promise<AnnexInstance | undefined>;
  /** The annex an instance was recorded for, if any. */
  annexIdOf(instanceId: string): Promise<string | undefined>;
  listInstances(annexId: string): Promise<AnnexInstance[]>;
  /** The annex's instances, read with strong consistency (to decide that none is left). */
  listInstancesConsistent(annexId: string): Promise<AnnexInstance[]>;
  /** Instances whose next deadline is at or before `now`. */
  dueInstances(now: number, limit: number, startKey?: PageKey): Promise<Page<AnnexInstance>>;
  /** Appends an entry to an annex's audit trail. */
  appendEvent(event: AnnexEvent): Promise<void>;
  /** The annex's audit trail, oldest first. */
  listEvents(annexId: string): Promise<AnnexEvent[]>;
}
