/**
 * AWS SDK clients, built once from the standard configuration chain. Locally `AWS_ENDPOINT_URL`
 * points them all at the local AWS; S3 then uses path-style addressing.
 */

import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

const usesCustomEndpoint = Boolean(process.env.AWS_ENDPOINT_URL);

/** The DynamoDB document client (undefined values dropped). */
export const dynamoDb = /* @__PURE__ */ DynamoDBDocumentClient.from(
  /* @__PURE__ */ new DynamoDBClient({}),
  {
    marshallOptions: { removeUndefinedValues: true },
  },
);

/** The S3 client; path-style when an endpoint URL is set. */
export const s3 = /* @__PURE__ */ new S3Client({ forcePathStyle: usesCustomEndpoint });

/** The EC2 client with the SDK's standard retry (throttling backs off and retries). */
export const ec2 = /* @__PURE__ */ new EC2Client({ retryMode: "standard", maxAttempts: 5 });

/**
 * The enforcer's EC2 client: one retry only. A sweep that meets throttling should give up
 * quickly and leave the work due for the next tick, not spend its time budget backing off.
 */
export const ec2ForSweeps = /* @__PURE__ */ new EC2Client({
  retryMode: "standard",
  maxAttempts: 2,
});
