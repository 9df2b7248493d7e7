/** Annex instances and the audit trail in DynamoDB; instances carry their next deadline for the enforcer. */

import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from "@aws-sdk/lib-dynamodb";
import { ulid } from "ulid";
import type { AnnexEvent, AnnexInstance } from "../../domain/annex.ts";
import { ConflictError } from "../../domain/errors.ts";
import {
  DUE_SHARD,
  eventKey,
  INDEX,
  instanceKey,
  instanceLookupKey,
  withoutKeys,
} from "./table-keys.ts";

/** The earliest time the enforcer must look at an instance, or undefined when nothing is pending. */
export function nextDeadline(instance: AnnexInstance): number | undefined {
  if (instance.endedAt !== undefined) return undefined;
  if (instance.bootstrappedAt === undefined) return instance.bootDeadline;
  return instance.idleDeadline;
}

/** Instances and events over one DynamoDB table. */
export class InstanceRepository {
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
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
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
      if (error instanceof ConditionalCheckFailedException) {
        throw new ConflictError(`instance ${instance.instanceId} was changed by another request`, {
          cause: error,
        });
      }
      throw error;
    }
    return next;
  }

  async getInstance(annexId: string, instanceId: string): Promise<AnnexInstance | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: instanceKey(annexId, instanceId),
        ConsistentRead: true,
      }),
    );
    return result.Item && withoutKeys<AnnexInstance>(result.Item);
  }

  /** The annex an instance was recorded for, if any. */
  async annexIdOf(instanceId: string): Promise<string | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.table, Key: instanceLookupKey(instanceId) }),
    );
    return result.Item ? String(result.Item.annexId) : undefined;
  }

  async listInstances(annexId: string): Promise<AnnexInstance[]> {
    return (await this.queryPartition(annexId, "I#")).map((item) =>
      withoutKeys<AnnexInstance>(item),
    );
  }

  /** Instances whose next deadline is at or before `now`, one page at a time. */
  async dueInstances(now: number, limit: number, startKey?: Record<string, unknown>) {
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEX.instancesByDeadline,
        KeyConditionExpression: "dueShard = :shard AND dueAt <= :now",
        ExpressionAttributeValues: { ":shard": DUE_SHARD, ":now": now },
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    return {
      instances: (page.Items ?? []).map((item) => withoutKeys<AnnexInstance>(item)),
      itemsRead: page.Count ?? 0,
      next: page.LastEvaluatedKey,
    };
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
  async listEvents(annexId: string): Promise<AnnexEvent[]> {
    return (await this.queryPartition(annexId, "E#")).map((item) => withoutKeys<AnnexEvent>(item));
  }

  /** The annex's instances, read with strong consistency (to decide that none is left). */
  async listInstancesConsistent(annexId: string): Promise<AnnexInstance[]> {
    const instances: AnnexInstance[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ExpressionAttributeValues: { ":pk": `ANNEX#${annexId}`, ":prefix": "I#" },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) instances.push(withoutKeys<AnnexInstance>(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return instances;
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

  private async queryPartition(
    annexId: string,
    prefix: string,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ExpressionAttributeValues: { ":pk": `ANNEX#${annexId}`, ":prefix": prefix },
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
