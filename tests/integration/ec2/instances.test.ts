import {
  CreateKeyPairCommand,
  CreateLaunchTemplateCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  DescribeTagsCommand,
  type EC2Client,
  type Instance,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Ec2EventBridgeEvent } from "../../../local/ec2/index.ts";
import { base64, ec2Error, startEc2, type TestEc2 } from "./server.ts";

let t: TestEc2;
let ec2: EC2Client;
let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}`;
const image = "ami-0123456789abcdef0";

beforeAll(async () => {
  t = await startEc2({
    delays: { pendingMs: 1000, shuttingDownMs: 1000, terminatedVisibleMs: 60_000 },
  });
  ec2 = t.client();
});
afterAll(() => t.stop());
afterEach(() => t.emulator.control.resetFaults());

const run = (input: Partial<RunInstancesCommandInput> = {}) =>
  ec2.send(
    new RunInstancesCommand({
      ImageId: image,
      InstanceType: "t3.micro",
      MinCount: 1,
      MaxCount: 1,
      ...input,
    }),
  );

const annexTags = (annexId: string) => [
  { ResourceType: "instance" as const, Tags: [{ Key: "annex:id", Value: annexId }] },
];

async function describeByAnnex(annexId: string): Promise<Instance[]> {
  const out = await ec2.send(
    new DescribeInstancesCommand({ Filters: [{ Name: "tag:annex:id", Values: [annexId] }] }),
  );
  return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
}

describe("RunInstances", () => {
  it("launches pending instances with instance and volume tags, user data, profile, key and groups", async () => {
    await ec2.send(new CreateKeyPairCommand({ KeyName: "annex-key" }));
    const group = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: "annex-run", Description: "annex" }),
    );
    const reservation = await run({
      MinCount: 2,
      MaxCount: 2,
      KeyName: "annex-key",
      SecurityGroupIds: [group.GroupId ?? ""],
      UserData: base64("#!/bin/sh\necho hello\n"),
      IamInstanceProfile: { Name: "annex-instance" },
      InstanceInitiatedShutdownBehavior: "terminate",
      TagSpecifications: [
        {
          ResourceType: "instance",
          Tags: [
            { Key: "annex:id", Value: "A-run" },
            { Key: "annex:lease-expires", Value: "1767229200" },
          ],
        },
        { ResourceType: "volume", Tags: [{ Key: "annex:id", Value: "A-run" }] },
      ],
    });
    expect(reservation.ReservationId).toMatch(/^r-[0-9a-f]{17}$/);
    const instances = reservation.Instances ?? [];
    expect(instances).toHaveLength(2);
    const [first] = instances;
    expect(first?.InstanceId).toMatch(/^i-[0-9a-f]{17}$/);
    expect(first?.State).toEqual({ Code: 0, Name: "pending" });
    expect(first?.KeyName).toBe("annex-key");
    expect(first?.SecurityGroups).toEqual([{ GroupId: group.GroupId, GroupName: "annex-run" }]);
    expect(first?.IamInstanceProfile?.Arn).toBe(
      "arn:aws:iam::000000000000:instance-profile/annex-instance",
    );
    expect(first?.Tags).toContainEqual({ Key: "annex:lease-expires", Value: "1767229200" });
    expect(instances.map((i) => i.AmiLaunchIndex)).toEqual([0, 1]);
    const attribute = await ec2.send(
      new DescribeInstanceAttributeCommand({
        InstanceId: first?.InstanceId,
        Attribute: "userData",
      }),
    );
    expect(Buffer.from(attribute.UserData?.Value ?? "", "base64").toString()).toBe(
      "#!/bin/sh\necho hello\n",
    );
    const behaviour = await ec2.send(
      new DescribeInstanceAttributeCommand({
        InstanceId: first?.InstanceId,
        Attribute: "instanceInitiatedShutdownBehavior",
      }),
    );
    expect(behaviour.InstanceInitiatedShutdownBehavior?.Value).toBe("terminate");
  });

  it("picks a default subnet when no subnet or zone is named, spreading launches over the zones", async () => {
    const fresh = await startEc2();
    try {
      const client = fresh.client();
      const launch = async (input: Partial<RunInstancesCommandInput> = {}) =>
        (
          await client.send(
            new RunInstancesCommand({ ImageId: image, MinCount: 3, MaxCount: 3, ...input }),
          )
        ).Instances ?? [];
      const zones = (
        await client.send(new DescribeAvailabilityZonesCommand({}))
      ).AvailabilityZones?.map((zone) => zone.ZoneName).sort();
      const reservations = [];
      for (const _ of zones ?? []) reservations.push(await launch());
      // One RunInstances lands in one subnet; as many in a row as there are zones fill every zone once.
      for (const instances of reservations)
        expect(new Set(instances.map((i) => i.SubnetId)).size).toBe(1);
      const used = reservations.map((instances) => instances[0]?.Placement?.AvailabilityZone);
      expect(used.sort()).toEqual(zones);
      const named = await launch({ Placement: { AvailabilityZone: "us-east-1b" } });
      expect(named[0]?.Placement?.AvailabilityZone).toBe("us-east-1b");
    } finally {
      await fresh.stop();
    }
  });

  it("launches from a launch template, explicit parameters winning", async () => {
    const template = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "run-lt",
        LaunchTemplateData: {
          ImageId: "ami-0000000000000abcd",
          InstanceType: "m5.large",
          UserData: base64("from template"),
        },
      }),
    );
    const reservation = await ec2.send(
      new RunInstancesCommand({
        LaunchTemplate: { LaunchTemplateId: template.LaunchTemplate?.LaunchTemplateId },
        InstanceType: "c5.large",
        MinCount: 1,
        MaxCount: 1,
      }),
    );
    const [instance] = reservation.Instances ?? [];
    expect([instance?.ImageId, instance?.InstanceType]).toEqual([
      "ami-0000000000000abcd",
      "c5.large",
    ]);
    expect(t.emulator.control.instance(instance?.InstanceId ?? "")?.userData).toBe("from template");
  });

  it("accepts an instance profile by ARN", async () => {
    const arn = "arn:aws:iam::000000000000:instance-profile/by-arn";
    const reservation = await run({ IamInstanceProfile: { Arn: arn } });
    expect(reservation.Instances?.[0]?.IamInstanceProfile?.Arn).toBe(arn);
    expect(reservation.Instances?.[0]?.IamInstanceProfile?.Id).toMatch(/^AIPA/);
  });

  it("returns the same reservation when the client token is replayed with the same parameters", async () => {
    const token = unique("token");
    const first = await run({
      ClientToken: token,
      MinCount: 2,
      MaxCount: 2,
      TagSpecifications: annexTags("A-idem"),
    });
    const second = await run({
      ClientToken: token,
      MinCount: 2,
      MaxCount: 2,
      TagSpecifications: annexTags("A-idem"),
    });
    expect(second.ReservationId).toBe(first.ReservationId);
    expect(second.Instances?.map((i) => i.InstanceId)).toEqual(
      first.Instances?.map((i) => i.InstanceId),
    );
    expect(await describeByAnnex("A-idem")).toHaveLength(2);
  });

  it("answers IdempotentParameterMismatch when the client token is reused with other parameters", async () => {
    const token = unique("token");
    await run({ ClientToken: token });
    await ec2Error(
      run({ ClientToken: token, InstanceType: "t3.small" }),
      "IdempotentParameterMismatch",
      400,
    );
  });

  it("launches between MinCount and MaxCount when capacity is short, and nothing below MinCount", async () => {
    t.emulator.control.setCapacity("c5.large", 3);
    const partial = await run({ InstanceType: "c5.large", MinCount: 2, MaxCount: 5 });
    expect(partial.Instances).toHaveLength(3);
    await ec2Error(
      run({ InstanceType: "c5.large", MinCount: 1, MaxCount: 1 }),
      "InsufficientInstanceCapacity",
      500,
    );
  });

  it("rejects malformed and unknown images", async () => {
    await ec2Error(run({ ImageId: "ami-xyz" }), "InvalidAMIID.Malformed");
    t.emulator.control.setImageKnown("ami-0000000000000dead", false);
    const error = await ec2Error(
      run({ ImageId: "ami-0000000000000dead" }),
      "InvalidAMIID.NotFound",
    );
    expect(error.message).toContain("ami-0000000000000dead");
  });

  it("rejects unknown instance types, key pairs and security groups", async () => {
    const type = await ec2Error(run({ InstanceType: "t9.mega" as never }), "InvalidParameterValue");
    expect(type.message).toBe("Invalid value 't9.mega' for InstanceType.");
    await ec2Error(run({ KeyName: "no-such-key" }), "InvalidKeyPair.NotFound");
    await ec2Error(run({ SecurityGroupIds: ["sg-0123456789abcdef0"] }), "InvalidGroup.NotFound");
    await ec2Error(run({ SecurityGroupIds: ["sg-nope"] }), "InvalidGroupId.Malformed");
  });

  it("rejects user data over 16 KB, invalid base64 and reserved aws: tag keys", async () => {
    await ec2Error(run({ UserData: base64("x".repeat(16 * 1024 + 1)) }), "InvalidParameterValue");
    await run({ UserData: base64("x".repeat(16 * 1024)) });
    await ec2Error(run({ UserData: "not base64!" }), "InvalidParameterValue");
    await ec2Error(
      run({
        TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "aws:owner", Value: "x" }] }],
      }),
      "InvalidParameterValue",
    );
  });

  it("checks MinCount and MaxCount", async () => {
    await ec2Error(
      ec2.send(new RunInstancesCommand({ ImageId: image, MaxCount: 1 } as never)),
      "MissingParameter",
    );
    await ec2Error(run({ MinCount: 3, MaxCount: 2 }), "InvalidParameterValue");
    await ec2Error(run({ MinCount: 0, MaxCount: 2 }), "InvalidParameterValue");
  });
});

describe("instance lifecycle", () => {
  it("goes pending → running → shutting-down → terminated and stays visible for the configured time", async () => {
    const events: Ec2EventBridgeEvent[] = [];
    const stop = t.emulator.onEvent((e) => events.push(e));
    const launchedAt = t.clock.now();
    const id =
      (await run({ TagSpecifications: annexTags("A-life") })).Instances?.[0]?.InstanceId ?? "";
    t.clock.advance(1000);
    expect((await describeByAnnex("A-life"))[0]?.State?.Name).toBe("running");
    const terminated = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    expect(terminated.TerminatingInstances?.[0]).toMatchObject({
      InstanceId: id,
      PreviousState: { Code: 16, Name: "running" },
      CurrentState: { Code: 32, Name: "shutting-down" },
    });
    t.clock.advance(1000);
    const gone = (await describeByAnnex("A-life"))[0];
    expect(gone?.State?.Name).toBe("terminated");
    expect(gone?.StateReason?.Code).toBe("Client.UserInitiatedShutdown");
    t.clock.advance(60_000);
    expect(await describeByAnnex("A-life")).toHaveLength(0);
    await ec2Error(
      ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] })),
      "InvalidInstanceID.NotFound",
    );
    stop();
    const mine = events.filter((e) => e.detail["instance-id"] === id);
    expect(mine.map((e) => (e.detail as { state: string }).state)).toEqual([
      "pending",
      "running",
      "shutting-down",
      "terminated",
    ]);
    expect(mine[1]).toMatchObject({
      version: "0",
      source: "aws.ec2",
      "detail-type": "EC2 Instance State-change Notification",
      account: "000000000000",
      region: "us-east-1",
      resources: [`arn:aws:ec2:us-east-1:000000000000:instance/${id}`],
      time: new Date(launchedAt + 1000).toISOString().replace(".000Z", "Z"),
    });
  });

  it("terminates on a power-off from inside when the shutdown behaviour is terminate", async () => {
    const id =
      (await run({ InstanceInitiatedShutdownBehavior: "terminate" })).Instances?.[0]?.InstanceId ??
      "";
    t.clock.advance(1000);
    expect(t.emulator.control.powerOff(id).state).toBe("shutting-down");
    t.clock.advance(1000);
    const [instance] =
      (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]
        ?.Instances ?? [];
    expect(instance?.State?.Name).toBe("terminated");
    expect(instance?.StateReason?.Code).toBe("Client.InstanceInitiatedShutdown");
  });

  it("stops on a power-off from inside when the shutdown behaviour is stop (the default)", async () => {
    const id = (await run()).Instances?.[0]?.InstanceId ?? "";
    t.clock.advance(1000);
    t.emulator.control.powerOff(id);
    t.clock.advance(1000);
    expect(t.emulator.control.instance(id)?.state).toBe("stopped");
  });
});

describe("DescribeInstances", () => {
  it("matches tag:annex:id exactly, never by prefix", async () => {
    await run({ TagSpecifications: annexTags("foo") });
    await run({ TagSpecifications: annexTags("foobar") });
    const foo = await describeByAnnex("foo");
    expect(foo.map((i) => i.Tags?.find((tag) => tag.Key === "annex:id")?.Value)).toEqual(["foo"]);
  });

  it("ANDs filters, ORs values and understands * and ? wildcards", async () => {
    await run({ InstanceType: "m5.large", TagSpecifications: annexTags("W-1") });
    await run({ InstanceType: "c5.xlarge", TagSpecifications: annexTags("W-2") });
    await run({ InstanceType: "m5.large", TagSpecifications: annexTags("X-3") });
    const describe = async (filters: { Name: string; Values: string[] }[]) =>
      ((await ec2.send(new DescribeInstancesCommand({ Filters: filters }))).Reservations ?? [])
        .flatMap((r) => r.Instances ?? [])
        .map((i) => i.Tags?.find((tag) => tag.Key === "annex:id")?.Value)
        .sort();
    expect(await describe([{ Name: "tag:annex:id", Values: ["W-*"] }])).toEqual(["W-1", "W-2"]);
    expect(await describe([{ Name: "tag:annex:id", Values: ["?-3", "W-1"] }])).toEqual([
      "W-1",
      "X-3",
    ]);
    expect(
      await describe([
        { Name: "tag:annex:id", Values: ["W-*", "X-*"] },
        { Name: "instance-type", Values: ["m5.large"] },
      ]),
    ).toEqual(["W-1", "X-3"]);
    expect(
      await describe([
        { Name: "tag-key", Values: ["annex:id"] },
        { Name: "instance-type", Values: ["c5.xlarge"] },
      ]),
    ).toEqual(["W-2"]);
  });

  it("filters by instance-state-name and client-token", async () => {
    const token = unique("ct");
    const id = (await run({ ClientToken: token, TagSpecifications: annexTags("S-1") }))
      .Instances?.[0]?.InstanceId;
    const byToken = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: "client-token", Values: [token] }] }),
    );
    expect(byToken.Reservations?.[0]?.Instances?.[0]?.InstanceId).toBe(id);
    const pending = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: "tag:annex:id", Values: ["S-1"] },
          { Name: "instance-state-name", Values: ["running"] },
        ],
      }),
    );
    expect(pending.Reservations).toEqual([]);
  });

  it("answers InvalidParameterValue for an unknown filter, NotFound and Malformed for bad ids", async () => {
    const filter = await ec2Error(
      ec2.send(
        new DescribeInstancesCommand({ Filters: [{ Name: "no-such-filter", Values: ["x"] }] }),
      ),
      "InvalidParameterValue",
    );
    expect(filter.message).toBe("The filter 'no-such-filter' is invalid");
    const missing = await ec2Error(
      ec2.send(
        new DescribeInstancesCommand({
          InstanceIds: ["i-0123456789abcdef0", "i-0123456789abcdef1"],
        }),
      ),
      "InvalidInstanceID.NotFound",
    );
    expect(missing.message).toBe(
      "The instance IDs 'i-0123456789abcdef0, i-0123456789abcdef1' do not exist",
    );
    await ec2Error(
      ec2.send(new DescribeInstancesCommand({ InstanceIds: ["i-bogus"] })),
      "InvalidInstanceID.Malformed",
    );
  });
});

describe("TerminateInstances", () => {
  it("fails the whole call when one id is unknown, terminating nothing", async () => {
    const id = (await run()).Instances?.[0]?.InstanceId ?? "";
    await ec2Error(
      ec2.send(new TerminateInstancesCommand({ InstanceIds: [id, "i-0000000000000abcd"] })),
      "InvalidInstanceID.NotFound",
    );
    expect(t.emulator.control.instance(id)?.state).toBe("pending");
  });

  it("refuses more than 1000 ids", async () => {
    const ids = Array.from({ length: 1001 }, (_, i) => `i-${i.toString(16).padStart(17, "0")}`);
    await ec2Error(
      ec2.send(new TerminateInstancesCommand({ InstanceIds: ids })),
      "InvalidParameterValue",
    );
  });

  it("is idempotent for instances already terminated", async () => {
    const id = (await run()).Instances?.[0]?.InstanceId ?? "";
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    t.clock.advance(1000);
    const again = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    expect(again.TerminatingInstances?.[0]?.CurrentState?.Name).toBe("terminated");
    expect(again.TerminatingInstances?.[0]?.PreviousState?.Name).toBe("terminated");
  });
});

describe("CreateTags and DeleteTags", () => {
  it("updates annex:lease-expires, and deletes tags by key or by key and value", async () => {
    const id =
      (await run({ TagSpecifications: annexTags("T-1") })).Instances?.[0]?.InstanceId ?? "";
    await ec2.send(
      new CreateTagsCommand({
        Resources: [id],
        Tags: [{ Key: "annex:lease-expires", Value: "100" }],
      }),
    );
    await ec2.send(
      new CreateTagsCommand({
        Resources: [id],
        Tags: [{ Key: "annex:lease-expires", Value: "200" }],
      }),
    );
    const tags = () => t.emulator.control.instance(id)?.tags;
    expect(tags()).toEqual({ "annex:id": "T-1", "annex:lease-expires": "200" });
    await ec2.send(
      new DeleteTagsCommand({
        Resources: [id],
        Tags: [{ Key: "annex:lease-expires", Value: "100" }],
      }),
    );
    expect(tags()?.["annex:lease-expires"]).toBe("200");
    await ec2.send(
      new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: "annex:lease-expires" }] }),
    );
    expect(tags()).toEqual({ "annex:id": "T-1" });
  });

  it("describes tags by resource and key", async () => {
    const id =
      (
        await run({
          TagSpecifications: [
            { ResourceType: "instance", Tags: [{ Key: "annex:id", Value: "DT-1" }] },
            { ResourceType: "volume", Tags: [{ Key: "annex:id", Value: "DT-1" }] },
          ],
        })
      ).Instances?.[0]?.InstanceId ?? "";
    const out = await ec2.send(
      new DescribeTagsCommand({
        Filters: [
          { Name: "key", Values: ["annex:id"] },
          { Name: "value", Values: ["DT-1"] },
        ],
      }),
    );
    expect(out.Tags?.map((tag) => tag.ResourceType).sort()).toEqual(["instance", "volume"]);
    expect(out.Tags?.find((tag) => tag.ResourceType === "instance")?.ResourceId).toBe(id);
  });

  it("answers NotFound for unknown resources and refuses aws: keys", async () => {
    await ec2Error(
      ec2.send(
        new CreateTagsCommand({
          Resources: ["i-0000000000000beef"],
          Tags: [{ Key: "a", Value: "b" }],
        }),
      ),
      "InvalidInstanceID.NotFound",
    );
    await ec2Error(
      ec2.send(new CreateTagsCommand({ Resources: ["bogus"], Tags: [{ Key: "a", Value: "b" }] })),
      "InvalidID",
    );
    const id = (await run()).Instances?.[0]?.InstanceId ?? "";
    await ec2Error(
      ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "aws:x", Value: "b" }] })),
      "InvalidParameterValue",
    );
  });
});

describe("DescribeInstanceStatus", () => {
  it("shows running instances, and all of them with IncludeAllInstances", async () => {
    const pendingId = (await run()).Instances?.[0]?.InstanceId ?? "";
    const running = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [pendingId] }));
    expect(running.InstanceStatuses).toEqual([]);
    const all = await ec2.send(
      new DescribeInstanceStatusCommand({ InstanceIds: [pendingId], IncludeAllInstances: true }),
    );
    expect(all.InstanceStatuses?.[0]?.InstanceState?.Name).toBe("pending");
    t.clock.advance(1000);
    const later = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [pendingId] }));
    expect(later.InstanceStatuses?.[0]?.InstanceStatus?.Status).toBe("ok");
  });
});
