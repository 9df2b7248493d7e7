/** The DynamoDB repositories turn a lost conditional write into the domain's stale errors. */

import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { DynamoDbAnnexRepository } from "../../../shared/adapters/aws/annex-repository.ts";
import { DynamoDbInstanceRepository } from "../../../shared/adapters/aws/instance-repository.ts";
import { StaleAnnexError, StaleInstanceError } from "../../../shared/domain/stale.ts";
import { anAnnex } from "../enforcement/fakes.ts";

const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" }));
const dbMock = mockClient(db);
const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });

afterEach(() => {
  dbMock.reset();
});

describe("DynamoDB repositories", () => {
  it("save an annex only at the version it was read at (StaleAnnexError otherwise)", async () => {
    dbMock.on(PutCommand).rejects(conditionFailed());
    const annex = anAnnex({ version: 3 });
    const error = await new DynamoDbAnnexRepository(db, "t")
      .saveAnnex(annex, 100)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StaleAnnexError);
    expect((error as Error).cause).toBeInstanceOf(ConditionalCheckFailedException);
    const input = dbMock.commandCalls(PutCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe("version = :v");
    expect(input?.ExpressionAttributeValues).toEqual({ ":v": 3 });
  });

  it("save an instance record only at the version it was read at (StaleInstanceError otherwise)", async () => {
    dbMock.on(PutCommand).rejects(conditionFailed());
    const record = {
      annexId: "01ANNEX",
      instanceId: "i-0123456789abcdef0",
      instanceType: "m5.large",
      ec2State: "running",
      launchedAt: 0,
      version: 2,
    };
    await expect(
      new DynamoDbInstanceRepository(db, "t").saveInstance(record),
    ).rejects.toBeInstanceOf(StaleInstanceError);
  });
});
