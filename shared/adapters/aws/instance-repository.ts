/** Annex instances and the audit trail in DynamoDB; instances carry their next deadline for the enforcer. */

import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { ulid } from "ulid";
import type { AnnexEvent, AnnexInstance } from "../../domain/annex.ts";
import { nextDeadline } from "../../domain/lease.ts";
import { StaleInstanceError } from "../../domain/stale.ts";
import type { InstanceRepository, Page, PageKey } from "../../ports/repositories.ts";
import {
  annexPartition,
  DUE_SHARD,
  eventKey,
  INDEX,
  instanceKey,
  instanceLookupKey,
  withoutKeys,
} from "./table-keys.ts";
import { getItem, isConditionFailure, queryAll, queryPage } from "./table-queries.ts";

/** Instances and events over one DynamoDB table. */
export class DynamoDbInstanceRepository implements InstanceRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Records newly launched instances; ones already recorded are left as they are. */
  async addInstances(instances: AnnexInstance[]): Promise<void> {
    await Promise.all(
      instances.map(async (instance) => {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...instanceLookupKey(instance.instanceId), annexId: instance.annexId },
          }),
        );
        await this.put(instance, "attribute_not_exists(pk)").catch((error: unknown) => {
          if (!isConditionFailure(error)) throw error;
        });
      }),
    );
  }

  /** Saves an instance if its stored version is still `instance.version`. */
  async saveInstance(instance: AnnexInstance): Promise<AnnexInstance> {
    const next = { ...instance, version: instance.version + 1 };
    try {
      await this.put(next, "version = :v", { ":v": instance.version });
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new StaleInstanceError(instance.instanceId, { cause: error });
      }
      throw error;
    }
    return next;
  }

  async getInstance(annexId: string, instanceId: string): Promise<AnnexInstance | undefined> {
    const item = await getItem(this.db, this.table, instanceKey(annexId, instanceId));
    return item && withoutKeys<AnnexInstance>(item);
  }

  /** The annex an instance was recorded for, if any. */
  async annexIdOf(instanceId: string): Promise<string | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.table, Key: instanceLookupKey(instanceId) }),
    );
    return result.Item ? String(result.Item.annexId) : undefined;
  }

  listInstances(annexId: string): Promise<AnnexInstance[]> {
    return this.partition<AnnexInstance>(annexId, "I#", false);
  }

  /** Instances whose next deadline is at or before `now`, one page at a time. */
  dueInstances(now: number, limit: number, startKey?: PageKey): Promise<Page<AnnexInstance>> {
    return queryPage<AnnexInstance>(
      this.db,
      {
        TableName: this.table,
        IndexName: INDEX.instancesByDeadline,
        KeyConditionExpression: "dueShard = :shard AND dueAt <= :now",
        ExpressionAttributeValues: { ":shard": DUE_SHARD, ":now": now },
      },
      limit,
      startKey,
    );
  }

  /** Appends an entry to an annex's audit trail. */
  async appendEvent(event: AnnexEvent): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...eventKey(event.annexId, event.at, ulid()), ...event },
      }),
    );
  }

  /** The annex's audit trail, oldest first. */
  listEvents(annexId: string): Promise<AnnexEvent[]> {
    return this.partition<AnnexEvent>(annexId, "E#", false);
  }

  /** The annex's instances, read with strong consistency (to decide that none is left). */
  listInstancesConsistent(annexId: string): Promise<AnnexInstance[]> {
    return this.partition<AnnexInstance>(annexId, "I#", true);
  }

  private put(instance: AnnexInstance, condition: string, values?: Record<string, unknown>) {
    const dueAt = nextDeadline(instance);
    return this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...instanceKey(instance.annexId, instance.instanceId),
          ...instance,
          dueShard: dueAt === undefined ? undefined : DUE_SHARD,
          dueAt,
        },
        ConditionExpression: condition,
        ExpressionAttributeValues: values,
      }),
    );
  }

  /** The items of one kind (`I#` instances, `E#` events) in an annex's partition. */
  private partition<T>(annexId: string, prefix: string, consistent: boolean): Promise<T[]> {
    return queryAll<T>(this.db, {
      TableName: this.table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": annexPartition(annexId), ":prefix": prefix },
      ...(consistent ? { ConsistentRead: true } : {}),
    });
  }
}
