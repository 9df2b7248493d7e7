import { CreateTableCommand, DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalAws, startLocalAws } from "../../../local/aws/server.ts";
import { readServiceDefinition } from "../../../local/runner/service-definition.ts";
import { upgradeTable } from "../../../local/table-upgrade.ts";
import { dynamoDbAt } from "../../support/sdk.ts";

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws({ port: 0, inMemory: true });
});
afterAll(() => aws.stop());

describe("local table upgrade", () => {
  it("rebuilds a table kept from before the live-by-deadline index, keeping its items in the index", async () => {
    const client = dynamoDbAt(aws.endpoint);
    const db = DynamoDBDocumentClient.from(client);
    const key = (name: string, type: "S" | "N") => ({ AttributeName: name, AttributeType: type });
    await client.send(
      new CreateTableCommand({
        TableName: "old-table",
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          key("pk", "S"),
          key("sk", "S"),
          key("liveShard", "S"),
          key("leaseExpiresAt", "N"),
        ],
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: "live-by-lease",
            KeySchema: [
              { AttributeName: "liveShard", KeyType: "HASH" },
              { AttributeName: "leaseExpiresAt", KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "ALL" },
          },
        ],
      }),
    );
    const live = { pk: "ANNEX#A", sk: "A", liveShard: "LIVE", leaseExpiresAt: 1234 };
    const ended = { pk: "ANNEX#B", sk: "A", leaseExpiresAt: 99 };
    for (const Item of [live, ended])
      await db.send(new PutCommand({ TableName: "old-table", Item }));

    const definition = readServiceDefinition("serverless.yml").tableProperties;
    await upgradeTable(client, "old-table", definition);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: "old-table" }));
    expect((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName).sort()).toEqual([
      "by-owner",
      "instances-by-deadline",
      "live-by-deadline",
    ]);
    const get = async (pk: string) =>
      (await db.send(new GetCommand({ TableName: "old-table", Key: { pk, sk: "A" } }))).Item;
    expect(await get("ANNEX#A")).toEqual({ ...live, deadlineAt: 1234 });
    expect(await get("ANNEX#B")).toEqual(ended);
    await upgradeTable(client, "old-table", definition); // already current: nothing to do
    expect(await get("ANNEX#A")).toEqual({ ...live, deadlineAt: 1234 });
    client.destroy();
  });
});
