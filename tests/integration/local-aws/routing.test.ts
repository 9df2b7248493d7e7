import { Sha256 } from "@aws-crypto/sha256-js";
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  PutItemCommand,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import { DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalAws, startLocalAws } from "../../../local/aws/server.ts";
import { awsCli } from "../../support/aws-cli.ts";
import { dynamoDbAt, ec2At, s3At } from "../../support/sdk.ts";

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws({ port: 0, inMemory: true });
});
afterAll(() => aws.stop());

describe("local AWS endpoint", () => {
  it("routes DynamoDB by credential scope: create, put, conditional put failure, query on an index", async () => {
    const db = dynamoDbAt(aws.endpoint);
    await db.send(
      new CreateTableCommand({
        TableName: "routing",
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "part", AttributeType: "S" },
          { AttributeName: "due", AttributeType: "N" },
        ],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        GlobalSecondaryIndexes: [
          {
            IndexName: "by-due",
            KeySchema: [
              { AttributeName: "part", KeyType: "HASH" },
              { AttributeName: "due", KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "ALL" },
          },
        ],
      }),
    );
    const put = (pk: string, due?: number) =>
      db.send(
        new PutItemCommand({
          TableName: "routing",
          Item: {
            pk: { S: pk },
            ...(due === undefined ? {} : { part: { S: "LIVE" }, due: { N: String(due) } }),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    await put("a", 10);
    await put("b", 30);
    await put("c");
    await expect(put("a", 99)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const due = await db.send(
      new QueryCommand({
        TableName: "routing",
        IndexName: "by-due",
        KeyConditionExpression: "part = :s AND due <= :now",
        ExpressionAttributeValues: { ":s": { S: "LIVE" }, ":now": { N: "20" } },
      }),
    );
    expect(due.Items?.map((item) => item.pk?.S)).toEqual(["a"]);
  });

  it("routes S3: bucket, put, get, and a presigned GET fetched over plain HTTP", async () => {
    const s3 = s3At(aws.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: "routing-bucket" }));
    await s3.send(
      new PutObjectCommand({ Bucket: "routing-bucket", Key: "dir/hello.txt", Body: "hello annex" }),
    );
    const got = await s3.send(
      new GetObjectCommand({ Bucket: "routing-bucket", Key: "dir/hello.txt" }),
    );
    expect(await got.Body?.transformToString()).toBe("hello annex");
    const url = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: "routing-bucket", Key: "dir/hello.txt" }),
      { expiresIn: 60 },
    );
    expect(url).toContain("X-Amz-Credential=");
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("hello annex");
  });

  it("routes EC2 to the emulator", async () => {
    const vpcs = await ec2At(aws.endpoint).send(
      new DescribeVpcsCommand({ Filters: [{ Name: "isDefault", Values: ["true"] }] }),
    );
    expect(vpcs.Vpcs?.[0]?.VpcId).toMatch(/^vpc-/);
  });

  it("is read by the real AWS CLI v2: tables and buckets", async () => {
    const tables = (await awsCli(aws.endpoint, ["dynamodb", "list-tables"])) as {
      TableNames: string[];
    };
    expect(tables.TableNames).toContain("routing");
    const buckets = (await awsCli(aws.endpoint, ["s3api", "list-buckets"])) as {
      Buckets: Array<{ Name: string }>;
    };
    expect(buckets.Buckets.map((bucket) => bucket.Name)).toContain("routing-bucket");
  });

  it("answers an unknown service with an AWS-style error naming it", async () => {
    const signer = new SignatureV4({
      service: "sns",
      region: "us-east-1",
      sha256: Sha256,
      credentials: { accessKeyId: "t", secretAccessKey: "t" },
    });
    const url = new URL(aws.endpoint);
    const signed = await signer.sign({
      method: "POST",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: "/",
      headers: { host: url.host, "content-type": "application/x-www-form-urlencoded" },
      body: "Action=ListQueues",
    });
    const response = await fetch(aws.endpoint, {
      method: "POST",
      headers: signed.headers,
      body: "Action=ListQueues",
    });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain("<Code>UnknownService</Code>");
    expect(text).toContain("'sns'");
  });

  it("answers a malformed Authorization header and a request with no credentials without crashing", async () => {
    const malformed = await fetch(aws.endpoint, {
      method: "POST",
      headers: { authorization: "AWS4-HMAC-SHA256 Credential=garbage" },
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toContain("<Code>IncompleteSignature</Code>");
    const wrongAlgorithm = await fetch(aws.endpoint, {
      headers: { authorization: "Basic dXNlcjpwYXNz" },
    });
    expect(wrongAlgorithm.status).toBe(400);
    const anonymous = await fetch(aws.endpoint, {
      method: "POST",
      headers: { "x-amz-target": "DynamoDB_20120810.ListTables" },
    });
    expect(anonymous.status).toBe(403);
    expect(await anonymous.json()).toMatchObject({ __type: "MissingAuthenticationToken" });
    const stillUp = (await awsCli(aws.endpoint, ["dynamodb", "list-tables"])) as {
      TableNames: string[];
    };
    expect(stillUp.TableNames).toContain("routing");
  });
});
