/**
 * A local table kept from an older version (`.annex/aws`) may lack an index serverless.yml now
 * declares, and dynalite cannot add one in place: the table is rebuilt with its items, live
 * annexes given the deadline the new `live-by-deadline` index sorts on (their lease end; the
 * next save of each sets the budget's too). Deployed stacks get their indexes from CloudFormation.
 */

import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";

type Table = { GlobalSecondaryIndexes?: Array<{ IndexName?: string }> };

/** Rebuilds `table` when it lacks one of `definition`'s indexes; a no-op otherwise. */
export async function upgradeTable(
  client: DynamoDBClient,
  table: string,
  definition: Record<string, unknown> & Table,
): Promise<void> {
  const { Table: current } = await client.send(new DescribeTableCommand({ TableName: table }));
  const have = new Set((current?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  const missing = (definition.GlobalSecondaryIndexes ?? []).filter((i) => !have.has(i.IndexName));
  if (missing.length === 0) return;
  const db = DynamoDBDocumentClient.from(client);
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  await client.send(new DeleteTableCommand({ TableName: table }));
  const { AttributeDefinitions, KeySchema, GlobalSecondaryIndexes, BillingMode } =
    definition as never as {
      AttributeDefinitions: never;
      KeySchema: KeySchemaElement[];
      GlobalSecondaryIndexes: never;
      BillingMode: never;
    };
  await client.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions,
      KeySchema,
      GlobalSecondaryIndexes,
      BillingMode,
    }),
  );
  for (const item of items) {
    const live = item.liveShard !== undefined && item.deadlineAt === undefined;
    const upgraded = live ? { ...item, deadlineAt: item.leaseExpiresAt } : item;
    await db.send(new PutCommand({ TableName: table, Item: upgraded }));
  }
}
