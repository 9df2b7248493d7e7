/** Proves the service reaches its table and bucket through the SDK. */

import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { dynamoDb, s3 } from "./clients.ts";

/** Describes the table and heads the bucket; throws if either is unreachable. */
export async function checkStorage(
  table: string,
  bucket: string,
): Promise<{ dynamodb: "ok"; s3: "ok" }> {
  await Promise.all([
    dynamoDb.send(new DescribeTableCommand({ TableName: table })),
    s3.send(new HeadBucketCommand({ Bucket: bucket })),
  ]);
  return { dynamodb: "ok", s3: "ok" };
}
