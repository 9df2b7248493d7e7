import { DescribeInstancesCommand, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ec2Authorization, startEc2, type TestEc2 } from "./server.ts";

let t: TestEc2;

beforeAll(async () => {
  t = await startEc2();
});
afterAll(() => t.stop());

interface Answer {
  status: number;
  body: string;
  code?: string;
  message?: string;
}

async function post(body: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(t.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      authorization: ec2Authorization,
      ...headers,
    },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text,
    code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1],
    message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1],
  };
}

const form = (params: Record<string, string>) =>
  new URLSearchParams({ Version: "2016-11-15", ...params }).toString();

const isErrorDocument = (answer: Answer) =>
  /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Response><Errors><Error><Code>[^<]+<\/Code><Message>[^<]*<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>$/.test(
    answer.body,
  );

describe("malformed requests", () => {
  it("answers MissingAction without an Action", async () => {
    const answer = await post(form({}));
    expect([answer.status, answer.code]).toEqual([400, "MissingAction"]);
    expect(isErrorDocument(answer)).toBe(true);
  });

  it("answers InvalidAction for an unknown action and UnsupportedOperation for EC2 actions it does not emulate", async () => {
    const unknown = await post(form({ Action: "LaunchRockets" }));
    expect([unknown.status, unknown.code, unknown.message]).toEqual([
      400,
      "InvalidAction",
      "The action LaunchRockets is not valid for this web service.",
    ]);
    const unsupported = await post(form({ Action: "AllocateAddress" }));
    expect([unsupported.status, unsupported.code]).toEqual([400, "UnsupportedOperation"]);
  });

  it("answers MissingParameter for a missing required parameter", async () => {
    expect((await post(form({ Action: "TerminateInstances" }))).code).toBe("MissingParameter");
    const run = await post(
      form({ Action: "RunInstances", ImageId: "ami-12345678", MaxCount: "1" }),
    );
    expect([run.code, run.message]).toEqual([
      "MissingParameter",
      "The request must contain the parameter MinCount",
    ]);
    expect((await post(form({ Action: "CreateSecurityGroup", GroupName: "g" }))).code).toBe(
      "MissingParameter",
    );
  });

  it("answers InvalidParameterValue for values of the wrong type", async () => {
    const cases: Record<string, string>[] = [
      { Action: "RunInstances", ImageId: "ami-12345678", MinCount: "one", MaxCount: "1" },
      { Action: "DescribeInstances", DryRun: "maybe" },
      { Action: "DescribeInstances", MaxResults: "" },
      { Action: "DescribeSpotPriceHistory", StartTime: "yesterday" },
      {
        Action: "RunInstances",
        ImageId: "ami-12345678",
        MinCount: "1",
        MaxCount: "1",
        InstanceInitiatedShutdownBehavior: "explode",
      },
    ];
    for (const params of cases)
      expect((await post(form(params))).code, JSON.stringify(params)).toBe("InvalidParameterValue");
  });

  it("answers UnknownParameter for a parameter the action does not have", async () => {
    const answer = await post(form({ Action: "DescribeVpcs", Frobnicate: "1" }));
    expect([answer.code, answer.message]).toEqual([
      "UnknownParameter",
      "The parameter Frobnicate is not recognized",
    ]);
    expect((await post(form({ Action: "DescribeInstances", "Filter.1.Nmae": "x" }))).code).toBe(
      "UnknownParameter",
    );
  });

  it("refuses characters XML cannot carry, and escapes the ones it can", async () => {
    const control = await post(
      form({ Action: "CreateSecurityGroup", GroupName: "bell\u0007", GroupDescription: "x" }),
    );
    expect(control.code).toBe("InvalidParameterValue");
    const ec2 = t.client();
    const awkward = `<a href="x">&amp; 'quoted' ]]> ✓`;
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: "ami-12345678",
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: [
          { ResourceType: "instance", Tags: [{ Key: "awkward", Value: awkward }] },
        ],
      }),
    );
    const id = run.Instances?.[0]?.InstanceId ?? "";
    const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    expect(described.Reservations?.[0]?.Instances?.[0]?.Tags).toEqual([
      { Key: "awkward", Value: awkward },
    ]);
    const echoed = await post(form({ Action: `<script>&"'` }));
    expect(echoed.body).toContain("The action &#60;script&#62;&#38;&#34;&#39; is not valid");
  });

  it("answers DryRunOperation (412) for a DryRun request", async () => {
    const answer = await post(form({ Action: "DescribeVpcs", DryRun: "true" }));
    expect([answer.status, answer.code]).toEqual([412, "DryRunOperation"]);
  });

  it("accepts the query string form (GET) as EC2 does", async () => {
    const res = await fetch(`${t.endpoint}/?${form({ Action: "DescribeVpcs" })}`, {
      headers: { authorization: ec2Authorization },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(
      '<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">',
    );
  });

  it("never crashes: garbage bodies, JSON bodies and random parameters get EC2 errors, not InternalError", async () => {
    const bodies: (string | Buffer)[] = [
      Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80]),
      JSON.stringify({ Action: "DescribeInstances" }),
      "%%%&&&===",
      "Action=RunInstances&Action=DescribeVpcs",
      "Action=DescribeInstances&Filter.1.Value.1=x",
      "Action=DescribeInstances&InstanceId.0=i-12345678",
      "Action=DescribeInstances&InstanceId.x=i-12345678",
      "Action=CreateTags&ResourceId.1=i-12345678&Tag.1.Value=v",
      "Action=RequestSpotFleet&SpotFleetRequestConfig.TargetCapacity=-3&SpotFleetRequestConfig.IamFleetRole=r",
      `Action=RunInstances&ImageId=ami-12345678&MinCount=1&MaxCount=1&UserData=${"A".repeat(100_000)}`,
    ];
    const actions = [
      "RunInstances",
      "DescribeInstances",
      "TerminateInstances",
      "CreateTags",
      "RequestSpotFleet",
      "CreateFleet",
      "AuthorizeSecurityGroupIngress",
      "DescribeSpotFleetRequests",
      "CancelSpotFleetRequests",
      "CreateKeyPair",
      "DeleteSecurityGroup",
      "DescribeInstanceAttribute",
    ];
    const names = [
      "InstanceId.1",
      "MinCount",
      "MaxCount",
      "ImageId",
      "Filter.1.Name",
      "Filter.1.Value.1",
      "Tag.1.Key",
      "Tag.1.Value",
      "ResourceId.1",
      "MaxResults",
      "NextToken",
      "GroupId",
      "Attribute",
      "SpotFleetRequestId.1",
      "TerminateInstances",
      "KeyName",
      "IpPermissions.1.IpProtocol",
      "IpPermissions.1.FromPort",
      "TargetCapacitySpecification.TotalTargetCapacity",
      "LaunchTemplateConfigs.1.LaunchTemplateSpecification.LaunchTemplateId",
    ];
    const values = [
      "",
      "0",
      "-1",
      "1e309",
      "i-12345678",
      "ami-12345678",
      "sg-12345678",
      "true",
      "x".repeat(300),
      "\u00e9\u{1F600}",
      "*",
      "tag:annex:id",
    ];
    let seed = 7;
    const pick = <T>(list: T[]): T => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return list[seed % list.length] as T;
    };
    for (let i = 0; i < 300; i++) {
      const params = new URLSearchParams({ Action: pick(actions) });
      for (let j = 0; j < 4; j++) params.append(pick(names), pick(values));
      bodies.push(params.toString());
    }
    for (const body of bodies) {
      const answer = await post(body);
      expect(answer.code, String(body).slice(0, 200)).not.toBe("InternalError");
      if (answer.status !== 200)
        expect(isErrorDocument(answer), answer.body.slice(0, 300)).toBe(true);
    }
    expect((await post(form({ Action: "DescribeVpcs" }))).status).toBe(200);
  });
});
