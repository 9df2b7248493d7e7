/** SDK clients pointed at a local AWS endpoint with test credentials. */

import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";

const base = (endpoint: string) => ({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});

export const dynamoDbAt = (endpoint: string) => new DynamoDBClient(base(endpoint));
export const s3At = (endpoint: string) => new S3Client({ ...base(endpoint), forcePathStyle: true });
export const ec2At = (endpoint: string, maxAttempts = 3) =>
  new EC2Client({ ...base(endpoint), maxAttempts });

/** Every pool object setup stores (settings, secret, heartbeat key) with its content. */
export async function poolObjects(endpoint: string): Promise<Record<string, string>> {
  const s3 = s3At(endpoint);
  const bucket = "cloud-annex-local-config";
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "pool/" }));
  const objects: Record<string, string> = {};
  for (const { Key } of listed.Contents ?? []) {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
    objects[Key ?? ""] = (await object.Body?.transformToString()) ?? "";
  }
  s3.destroy();
  return objects;
}
