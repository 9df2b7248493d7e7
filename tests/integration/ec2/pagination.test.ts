import {
  DescribeInstancesCommand,
  type EC2Client,
  paginateDescribeInstances,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ec2Error, startEc2, type TestEc2 } from "./server.ts";

let t: TestEc2;
let ec2: EC2Client;
const launched: string[] = [];

beforeAll(async () => {
  t = await startEc2();
  ec2 = t.client();
  for (const count of [1000, 1000, 500]) {
    const reservation = await ec2.send(
      new RunInstancesCommand({
        ImageId: "ami-12345678",
        InstanceType: "t3.nano",
        MinCount: count,
        MaxCount: count,
        TagSpecifications: [
          { ResourceType: "instance", Tags: [{ Key: "annex:id", Value: "bulk" }] },
        ],
      }),
    );
    launched.push(...(reservation.Instances ?? []).map((i) => i.InstanceId ?? ""));
  }
});
afterAll(() => t.stop());

const idsOf = (out: { Reservations?: { Instances?: { InstanceId?: string }[] }[] }) =>
  (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId ?? "");

describe("DescribeInstances pagination", () => {
  it("describes 2,500 instances in pages of 1000 with NextToken, each exactly once", async () => {
    const pages: string[][] = [];
    for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 1000 }, {}))
      pages.push(idsOf(page));
    expect(pages.map((p) => p.length)).toEqual([1000, 1000, 500]);
    expect(pages.flat()).toEqual(launched);
  });

  it("keeps filters across pages", async () => {
    const first = await ec2.send(
      new DescribeInstancesCommand({
        MaxResults: 5,
        Filters: [{ Name: "tag:annex:id", Values: ["bulk"] }],
      }),
    );
    expect(idsOf(first)).toEqual(launched.slice(0, 5));
    const second = await ec2.send(
      new DescribeInstancesCommand({
        MaxResults: 5,
        NextToken: first.NextToken,
        Filters: [{ Name: "tag:annex:id", Values: ["bulk"] }],
      }),
    );
    expect(idsOf(second)).toEqual(launched.slice(5, 10));
  });

  it("returns everything in one answer without MaxResults", async () => {
    const all = await ec2.send(new DescribeInstancesCommand({}));
    expect(idsOf(all)).toHaveLength(2500);
    expect(all.NextToken).toBeUndefined();
  });

  it("answers InvalidPaginationToken for a foreign or garbled token", async () => {
    const first = await ec2.send(new DescribeInstancesCommand({ MaxResults: 5 }));
    await ec2Error(
      ec2.send(
        new DescribeInstancesCommand({
          MaxResults: 5,
          NextToken: first.NextToken,
          Filters: [{ Name: "instance-type", Values: ["t3.nano"] }],
        }),
      ),
      "InvalidPaginationToken",
    );
    await ec2Error(
      ec2.send(new DescribeInstancesCommand({ NextToken: "garbage" })),
      "InvalidPaginationToken",
    );
  });

  it("checks MaxResults: 5 to 1000, and never with InstanceIds", async () => {
    await ec2Error(
      ec2.send(new DescribeInstancesCommand({ MaxResults: 4 })),
      "InvalidParameterValue",
    );
    await ec2Error(
      ec2.send(new DescribeInstancesCommand({ MaxResults: 1001 })),
      "InvalidParameterValue",
    );
    await ec2Error(
      ec2.send(new DescribeInstancesCommand({ MaxResults: 5, InstanceIds: [launched[0] ?? ""] })),
      "InvalidParameterCombination",
    );
  });
});
