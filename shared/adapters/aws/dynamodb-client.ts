/**
 * The DynamoDB document client, built once from the standard AWS configuration chain (locally
 * `AWS_ENDPOINT_URL` points it at the local AWS); undefined values are dropped.
 */

import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export const dynamoDb = /* @__PURE__ */ DynamoDBDocumentClient.from(
  /* @__PURE__ */ new DynamoDBClient({}),
  { marshallOptions: { removeUndefinedValues: true } },
);
