import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { startLocalAws } from "../../../local/aws/server.ts";
import { dynamoDbAt, s3At } from "../../support/sdk.ts";

describe("local AWS state", () => {
  it("persists DynamoDB items and S3 objects across restarts in its data folder", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "annex-persist-"));
    try {
      const first = await startLocalAws({ port: 0, dataDir });
      await dynamoDbAt(first.endpoint).send(
        new CreateTableCommand({
          TableName: "kept",
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        }),
      );
      await dynamoDbAt(first.endpoint).send(
        new PutItemCommand({ TableName: "kept", Item: { pk: { S: "x" }, v: { N: "7" } } }),
      );
      await s3At(first.endpoint).send(new CreateBucketCommand({ Bucket: "kept" }));
      await s3At(first.endpoint).send(
        new PutObjectCommand({ Bucket: "kept", Key: "k", Body: "v" }),
      );
      await first.stop();

      const second = await startLocalAws({ port: 0, dataDir });
      const item = await dynamoDbAt(second.endpoint).send(
        new GetItemCommand({ TableName: "kept", Key: { pk: { S: "x" } } }),
      );
      expect(item.Item?.v?.N).toBe("7");
      const object = await s3At(second.endpoint).send(
        new GetObjectCommand({ Bucket: "kept", Key: "k" }),
      );
      expect(await object.Body?.transformToString()).toBe("v");
      await second.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("keeps nothing when started in memory", async () => {
    const first = await startLocalAws({ port: 0, inMemory: true });
    await s3At(first.endpoint).send(new CreateBucketCommand({ Bucket: "gone" }));
    await first.stop();
    const second = await startLocalAws({ port: 0, inMemory: true });
    await expect(
      s3At(second.endpoint).send(new GetObjectCommand({ Bucket: "gone", Key: "k" })),
    ).rejects.toMatchObject({
      name: "NoSuchBucket",
    });
    await second.stop();
  });
});
