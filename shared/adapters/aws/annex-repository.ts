/** Annexes in DynamoDB: conditional creates, name and client-token claims, versioned saves. */

import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Annex } from "../../domain/annex.ts";
import { NameInUseError } from "../../domain/errors.ts";
import { StaleAnnexError } from "../../domain/stale.ts";
import type {
  AnnexRepository,
  Page,
  PageKey,
  SweepMarks,
  TokenClaim,
} from "../../ports/repositories.ts";
import {
  annexKey,
  ENFORCER_MARKS_KEY,
  INDEX,
  LIVE_SHARD,
  nameClaimKey,
  tokenClaimKey,
  withoutKeys,
} from "./table-keys.ts";
import { queryAll, queryPage } from "./table-queries.ts";

/** How long an ended annex stays readable before DynamoDB TTL may purge it (90 days). */
const RETENTION_SECONDS = 90 * 24 * 3600;

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

/** The annex store over one DynamoDB table. */
export class DynamoDbAnnexRepository implements AnnexRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Claims `clientToken` for a new annex, or returns the claim that already holds it. */
  async claimToken(owner: string, clientToken: string, claim: TokenClaim): Promise<TokenClaim> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...tokenClaimKey(owner, clientToken), ...claim },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return claim;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.get(tokenClaimKey(owner, clientToken));
      if (existing === undefined) return this.claimToken(owner, clientToken, claim);
      return { annexId: String(existing.annexId), requestHash: String(existing.requestHash) };
    }
  }

  /** Forgets a client token whose annex was never created (its name was in use). */
  releaseToken(owner: string, clientToken: string, annexId: string): Promise<void> {
    return this.deleteClaim(tokenClaimKey(owner, clientToken), annexId);
  }

  /** Claims `name` among the owner's live annexes; an ended holder's claim is taken over. */
  async claimName(owner: string, name: string, annexId: string): Promise<void> {
    const key = nameClaimKey(owner, name);
    const put = (condition: string, values: Record<string, unknown>) =>
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...key, annexId },
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
      );
    try {
      await put("attribute_not_exists(pk) OR annexId = :id", { ":id": annexId });
      return;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const holder = await this.get(key);
    const holderAnnex = holder ? await this.getAnnex(String(holder.annexId)) : undefined;
    if (holder !== undefined && holderAnnex !== undefined && holderAnnex.state !== "ended") {
      throw new NameInUseError(name);
    }
    try {
      await put(
        holder ? "annexId = :old" : "attribute_not_exists(pk)",
        holder ? { ":old": holder.annexId } : {},
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new NameInUseError(name, { cause: error });
      throw error;
    }
  }

  /** Releases the owner's claim on `name` if `annexId` still holds it. */
  releaseName(owner: string, name: string, annexId: string): Promise<void> {
    return this.deleteClaim(nameClaimKey(owner, name), annexId);
  }

  /** Writes a new annex (the write-ahead record); does nothing if it already exists. */
  async createAnnex(annex: Annex): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: this.toItem(annex),
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** Saves `annex` if its stored version is still `annex.version`; returns it with the next version. */
  async saveAnnex(annex: Annex, now: number): Promise<Annex> {
    const next = { ...annex, version: annex.version + 1, updatedAt: now };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: this.toItem(next),
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
    const item = await this.get(annexKey(annexId));
    return item && withoutKeys<Annex>(item);
  }

  /** The owner's live annex called `name`, else the latest ended one. */
  async findByName(owner: string, name: string): Promise<Annex | undefined> {
    const claim = await this.get(nameClaimKey(owner, name));
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

  /** Live annexes whose lease ended at or before `now`, oldest expiry first, one page at a time. */
  dueLeases(now: number, limit: number, startKey?: PageKey): Promise<Page<Annex>> {
    return this.livePage(
      "liveShard = :shard AND leaseExpiresAt <= :now",
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
    const item = await this.get(ENFORCER_MARKS_KEY);
    return {
      tagSweepAt: typeof item?.tagSweepAt === "number" ? item.tagSweepAt : undefined,
      fullSweepAt: typeof item?.fullSweepAt === "number" ? item.fullSweepAt : undefined,
    };
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
        IndexName: INDEX.liveByLease,
        KeyConditionExpression: condition,
        ExpressionAttributeValues: { ":shard": LIVE_SHARD, ...values },
      },
      limit,
      startKey,
    );
  }

  private toItem(annex: Annex): Record<string, unknown> {
    const live = annex.state !== "ended";
    return {
      ...annexKey(annex.id),
      ...annex,
      createdKey: annex.id,
      liveShard: live ? LIVE_SHARD : undefined,
      purgeAt: live ? undefined : annex.updatedAt + RETENTION_SECONDS,
    };
  }

  /** Deletes a claim if `annexId` still holds it; a claim held by another annex stays. */
  private async deleteClaim(key: { pk: string; sk: string }, annexId: string): Promise<void> {
    await this.db
      .send(
        new DeleteCommand({
          TableName: this.table,
          Key: key,
          ConditionExpression: "annexId = :id",
          ExpressionAttributeValues: { ":id": annexId },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }

  private async get(key: { pk: string; sk: string }) {
    const result = await this.db.send(
      new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }),
    );
    return result.Item;
  }
}
