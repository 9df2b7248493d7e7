/** Proves the service reaches its table and bucket through the SDK. */

import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { HeadBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** What the health route reports when both answer. */
export interface StorageHealth {
  dynamodb: "ok";
  s3: "ok";
}

/** Describes the table and heads the bucket; throws if either is unreachable. */
export async function checkStorage(
  stores: { db: DynamoDBDocumentClient; s3: S3Client },
  names: { table: string; bucket: string },
): Promise<StorageHealth> {
  await Promise.all([
    stores.db.send(new DescribeTableCommand({ TableName: names.table })),
    stores.s3.send(new HeadBucketCommand({ Bucket: names.bucket })),
  ]);
  return { dynamodb: "ok", s3: "ok" };
}
