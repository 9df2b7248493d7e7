/** Annexes in DynamoDB: conditional creates, versioned saves, and the enforcer's index reads. */

import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Annex } from "../../domain/annex.ts";
import { StaleAnnexError } from "../../domain/stale.ts";
import type { AnnexRepository, Page, PageKey, SweepMarks } from "../../ports/repositories.ts";
import {
  annexItem,
  annexKey,
  ENFORCER_LOCK_KEY,
  ENFORCER_MARKS_KEY,
  INDEX,
  LIVE_SHARD,
  nameClaimKey,
  withoutKeys,
} from "./table-keys.ts";
import { getItem, isConditionFailure, queryAll, queryPage } from "./table-queries.ts";

/** The annex store over one DynamoDB table. */
export class DynamoDbAnnexRepository implements AnnexRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Writes a new annex (the write-ahead record); does nothing if it already exists. */
  async createAnnex(annex: Annex): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: annexItem(annex),
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return false;
    }
  }

  /** Saves `annex` if its stored version is still `annex.version`; returns it with the next version. */
  async saveAnnex(annex: Annex, now: number): Promise<Annex> {
    const next = { ...annex, version: annex.version + 1, updatedAt: now };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: annexItem(next),
          ConditionExpression: "version = :v",
          ExpressionAttributeValues: { ":v": annex.version },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new StaleAnnexError(annex.id, { cause: error });
      throw error;
    }
    return next;
  }

  async getAnnex(annexId: string): Promise<Annex | undefined> {
    const item = await getItem(this.db, this.table, annexKey(annexId));
    return item && withoutKeys<Annex>(item);
  }

  /** The owner's live annex called `name`, else the latest ended one. */
  async findByName(owner: string, name: string): Promise<Annex | undefined> {
    const claim = await getItem(this.db, this.table, nameClaimKey(owner, name));
    const claimed = claim ? await this.getAnnex(String(claim.annexId)) : undefined;
    if (claimed) return claimed;
    const all = await this.listByOwner(owner);
    return all.filter((annex) => annex.name === name).pop();
  }

  /** The owner's annexes, oldest first. */
  listByOwner(owner: string): Promise<Annex[]> {
    return queryAll<Annex>(this.db, {
      TableName: this.table,
      IndexName: INDEX.byOwner,
      KeyConditionExpression: "#owner = :owner",
      ExpressionAttributeNames: { "#owner": "owner" },
      ExpressionAttributeValues: { ":owner": owner },
    });
  }

  /** Live annexes whose next deadline (effective end or budget mark) is at or before `now`, earliest first. */
  dueAnnexes(now: number, limit: number, startKey?: PageKey): Promise<Page<Annex>> {
    return this.livePage(
      "liveShard = :shard AND deadlineAt <= :now",
      { ":now": now },
      limit,
      startKey,
    );
  }

  /** Every live annex, one page at a time (the enforcer's hourly orphan backstop; never the per-minute sweep). */
  liveAnnexes(limit: number, startKey?: PageKey): Promise<Page<Annex>> {
    return this.livePage("liveShard = :shard", {}, limit, startKey);
  }

  /** When the enforcer last ran each of its periodic orphan sweeps (epoch seconds). */
  async sweepMarks(): Promise<SweepMarks> {
    const item = await getItem(this.db, this.table, ENFORCER_MARKS_KEY);
    return {
      tagSweepAt: typeof item?.tagSweepAt === "number" ? item.tagSweepAt : undefined,
      fullSweepAt: typeof item?.fullSweepAt === "number" ? item.fullSweepAt : undefined,
      spotPriceAt: typeof item?.spotPriceAt === "number" ? item.spotPriceAt : undefined,
    };
  }

  /** Takes the enforcer's lock (a conditional put: free, expired, or already ours). */
  async takeSweepLock(holder: string, now: number, until: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...ENFORCER_LOCK_KEY, holder, until },
          ConditionExpression: "attribute_not_exists(pk) OR #until < :now OR holder = :holder",
          ExpressionAttributeNames: { "#until": "until" },
          ExpressionAttributeValues: { ":now": now, ":holder": holder },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return false;
    }
  }

  /** Frees the lock if `holder` still holds it (an expired holder's release changes nothing). */
  async releaseSweepLock(holder: string): Promise<void> {
    await this.db
      .send(
        new DeleteCommand({
          TableName: this.table,
          Key: ENFORCER_LOCK_KEY,
          ConditionExpression: "holder = :holder",
          ExpressionAttributeValues: { ":holder": holder },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }

  /** Moves one sweep mark forward to `at`; a mark never moves back (a late or concurrent sweep leaves it). */
  async advanceSweepMark(mark: keyof SweepMarks, at: number): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: ENFORCER_MARKS_KEY,
          UpdateExpression: "SET #mark = :at",
          ConditionExpression: "attribute_not_exists(#mark) OR #mark < :at",
          ExpressionAttributeNames: { "#mark": mark },
          ExpressionAttributeValues: { ":at": at },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }

  private livePage(
    condition: string,
    values: Record<string, unknown>,
    limit: number,
    startKey?: PageKey,
  ): Promise<Page<Annex>> {
    return queryPage<Annex>(
      this.db,
      {
        TableName: this.table,
        IndexName: INDEX.liveByDeadline,
        KeyConditionExpression: condition,
        ExpressionAttributeValues: { ":shard": LIVE_SHARD, ...values },
      },
      limit,
      startKey,
    );
  }
}
