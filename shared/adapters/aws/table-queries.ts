/** How the repositories read the table: one item, one page of an index (the enforcer), or every match. */

import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { Page, PageKey } from "../../ports/repositories.ts";
import { withoutKeys } from "./table-keys.ts";

type Query = Omit<QueryCommandInput, "Limit" | "ExclusiveStartKey">;

/** One page of at most `limit` items, as model objects, with the items read and the next key. */
export async function queryPage<T>(
  db: DynamoDBDocumentClient,
  query: Query,
  limit: number,
  startKey?: PageKey,
): Promise<Page<T>> {
  const page = await db.send(
    new QueryCommand({ ...query, Limit: limit, ExclusiveStartKey: startKey }),
  );
  return {
    items: (page.Items ?? []).map((item) => withoutKeys<T>(item)),
    itemsRead: page.Count ?? 0,
    next: page.LastEvaluatedKey,
  };
}

/** Every item the query matches, read page by page, as model objects. */
export async function queryAll<T>(db: DynamoDBDocumentClient, query: Query): Promise<T[]> {
  const items: T[] = [];
  let startKey: PageKey | undefined;
  do {
    const page = await db.send(new QueryCommand({ ...query, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) items.push(withoutKeys<T>(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Whether a conditional write lost (its condition did not hold). */
export const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException;

/** One item by key, read consistently; undefined when there is none. */
export async function getItem(
  db: DynamoDBDocumentClient,
  table: string,
  key: { pk: string; sk: string },
): Promise<Record<string, unknown> | undefined> {
  const result = await db.send(
    new GetCommand({ TableName: table, Key: key, ConsistentRead: true }),
  );
  return result.Item;
}
