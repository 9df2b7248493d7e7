/** The pools that lately had no capacity, in DynamoDB so that every Lambda container skips them alike. */

import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import {
  CAPACITY_ERROR_MEMORY_SECONDS,
  MARKETS,
  type Market,
  type Pool,
} from "../../domain/fleet.ts";
import type { CapacityMemory } from "../../ports/ec2-fleets.ts";
import { CAPACITY_ERRORS_PARTITION, capacityErrorKey } from "./table-keys.ts";
import { queryAll } from "./table-queries.ts";

interface Remembered extends Pool {
  failedAt: number;
}

/** One item per pool (`CAPACITY-ERRORS` / `market#type#zone`), overwritten by its latest error. */
export class DynamoDbCapacityMemory implements CapacityMemory {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** The pools whose last capacity error is less than CAPACITY_ERROR_MEMORY_SECONDS old at `now`. */
  async recent(now: number): Promise<Pool[]> {
    const items = await queryAll<Remembered>(this.db, {
      TableName: this.table,
      KeyConditionExpression: "pk = :pk",
      FilterExpression: "failedAt > :since",
      ExpressionAttributeValues: {
        ":pk": CAPACITY_ERRORS_PARTITION,
        ":since": now - CAPACITY_ERROR_MEMORY_SECONDS,
      },
      ConsistentRead: true,
    });
    return items
      .filter((item) => MARKETS.includes(item.market as Market))
      .map(({ instanceType, availabilityZone, market }) => ({
        instanceType,
        availabilityZone,
        market,
      }));
  }

  /** Remembers each pool's error at `now` (a later error of the same pool overwrites it). */
  async remember(pools: readonly Pool[], now: number): Promise<void> {
    await Promise.all(
      pools.map((pool) =>
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              ...capacityErrorKey(pool.market, pool.instanceType, pool.availabilityZone),
              instanceType: pool.instanceType,
              availabilityZone: pool.availabilityZone,
              market: pool.market,
              failedAt: now,
              // Purged by TTL long after it stopped mattering; timing never relies on it.
              purgeAt: now + 24 * 3600,
            },
          }),
        ),
      ),
    );
  }
}
