/** Claims in an owner's DynamoDB partition: on client tokens (idempotency) and on live annex names. */

import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { NameInUseError } from "../../domain/errors.ts";
import type { ClaimRepository, TokenClaim } from "../../ports/repositories.ts";
import { annexKey, nameClaimKey, tokenClaimKey } from "./table-keys.ts";
import { getItem, isConditionFailure } from "./table-queries.ts";

/** The claims over one DynamoDB table. */
export class DynamoDbClaimRepository implements ClaimRepository {
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
      const existing = await getItem(this.db, this.table, tokenClaimKey(owner, clientToken));
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
    const holder = await getItem(this.db, this.table, key);
    const holderAnnex = holder
      ? await getItem(this.db, this.table, annexKey(String(holder.annexId)))
      : undefined;
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
}
