/** Prices cached in DynamoDB (per region: on-demand and spot per type), and the spot watch list. */

import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
} from "@aws-sdk/lib-dynamodb";
import { chunks } from "../../domain/lists.ts";
import type { CachedOnDemand, CachedSpot, PriceCache, SpotWatchList } from "../../ports/prices.ts";
import {
  onDemandPriceKey,
  SPOT_WATCH_PARTITION,
  spotPriceKey,
  spotWatchKey,
  withoutKeys,
} from "./table-keys.ts";
import { queryAll } from "./table-queries.ts";

/** Keys one BatchGetItem may carry. */
const KEYS_PER_BATCH = 100;
/** Rounds of UnprocessedKeys retried before the rest is treated as not cached. */
const BATCH_ROUNDS = 3;

type Key = { pk: string; sk: string };

/** The price cache and the spot watch list over one DynamoDB table. */
export class DynamoDbPriceCache implements PriceCache, SpotWatchList {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  onDemand(region: string, types: readonly string[]): Promise<Map<string, CachedOnDemand>> {
    return this.getMany(types, (type) => onDemandPriceKey(region, type));
  }

  async putOnDemand(region: string, prices: ReadonlyMap<string, CachedOnDemand>): Promise<void> {
    await this.putMany(prices, (type) => onDemandPriceKey(region, type));
  }

  spot(region: string, types: readonly string[]): Promise<Map<string, CachedSpot>> {
    return this.getMany(types, (type) => spotPriceKey(region, type));
  }

  async putSpot(region: string, prices: ReadonlyMap<string, CachedSpot>): Promise<void> {
    await this.putMany(prices, (type) => spotPriceKey(region, type));
  }

  async watch(annexId: string, types: readonly string[]): Promise<void> {
    await Promise.all(
      types.map((type) =>
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...spotWatchKey(type, annexId), instanceType: type, annexId },
          }),
        ),
      ),
    );
  }

  async unwatch(annexId: string, types: readonly string[]): Promise<void> {
    await Promise.all(
      types.map((type) =>
        this.db.send(
          new DeleteCommand({ TableName: this.table, Key: spotWatchKey(type, annexId) }),
        ),
      ),
    );
  }

  /** Every watched type with its annexes (one small item per annex and type). */
  async watched(): Promise<Map<string, string[]>> {
    const items = await queryAll<{ instanceType?: unknown; annexId?: unknown }>(this.db, {
      TableName: this.table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": SPOT_WATCH_PARTITION },
      ProjectionExpression: "instanceType, annexId",
    });
    const out = new Map<string, string[]>();
    for (const { instanceType, annexId } of items) {
      if (typeof instanceType !== "string" || typeof annexId !== "string") continue;
      out.set(instanceType, [...(out.get(instanceType) ?? []), annexId]);
    }
    return out;
  }

  private async getMany<T>(types: readonly string[], keyOf: (type: string) => Key) {
    const byKey = new Map(types.map((type) => [keyOf(type).sk, type]));
    const found = new Map<string, T>();
    for (const batch of chunks([...new Set(types)], KEYS_PER_BATCH)) {
      let keys: Record<string, unknown>[] = batch.map(keyOf);
      for (let round = 0; keys.length > 0 && round < BATCH_ROUNDS; round++) {
        const answer = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys } } }),
        );
        for (const item of answer.Responses?.[this.table] ?? []) {
          const type = byKey.get(String(item.sk));
          if (type !== undefined) found.set(type, withoutKeys<T>(item));
        }
        keys = answer.UnprocessedKeys?.[this.table]?.Keys ?? [];
      }
    }
    return found;
  }

  private async putMany<T extends object>(
    prices: ReadonlyMap<string, T>,
    keyOf: (type: string) => Key,
  ) {
    await Promise.all(
      [...prices].map(([type, entry]) =>
        this.db.send(new PutCommand({ TableName: this.table, Item: { ...keyOf(type), ...entry } })),
      ),
    );
  }
}
