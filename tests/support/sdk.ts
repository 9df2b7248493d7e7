/** SDK clients pointed at a local AWS endpoint with test credentials. */

import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { S3Client } from "@aws-sdk/client-s3";

const base = (endpoint: string) => ({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});

export const dynamoDbAt = (endpoint: string) => new DynamoDBClient(base(endpoint));
export const s3At = (endpoint: string) => new S3Client({ ...base(endpoint), forcePathStyle: true });
export const ec2At = (endpoint: string, maxAttempts = 3) =>
  new EC2Client({ ...base(endpoint), maxAttempts });
