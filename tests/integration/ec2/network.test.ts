import {
  AuthorizeSecurityGroupIngressCommand,
  CreateKeyPairCommand,
  CreateSecurityGroupCommand,
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInstanceTypesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ec2Error, startEc2, type TestEc2 } from "./server.ts";

let t: TestEc2;
let ec2: EC2Client;

beforeAll(async () => {
  t = await startEc2({ delays: { pendingMs: 10, shuttingDownMs: 10 } });
  ec2 = t.client();
});
afterAll(() => t.stop());

const condorRule = (cidr = "0.0.0.0/0") => [
  { IpProtocol: "tcp", FromPort: 9618, ToPort: 9618, IpRanges: [{ CidrIp: cidr }] },
];

describe("default VPC and subnets", () => {
  it("has one default VPC, found with the is-default filter", async () => {
    const { Vpcs } = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }),
    );
    expect(Vpcs).toHaveLength(1);
    expect(Vpcs?.[0]).toMatchObject({
      IsDefault: true,
      CidrBlock: "172.31.0.0/16",
      State: "available",
    });
    const none = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["false"] }] }),
    );
    expect(none.Vpcs).toEqual([]);
  });

  it("has a default subnet per Availability Zone of the VPC", async () => {
    const vpcId = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs?.[0]?.VpcId ?? "";
    const { Subnets } = await ec2.send(
      new DescribeSubnetsCommand({
        Filters: [
          { Name: "vpc-id", Values: [vpcId] },
          { Name: "default-for-az", Values: ["true"] },
        ],
      }),
    );
    expect(Subnets?.map((s) => s.AvailabilityZone)).toEqual(
      ["a", "b", "c", "d", "e", "f"].map((z) => `us-east-1${z}`),
    );
    expect(Subnets?.every((s) => s.DefaultForAz && s.VpcId === vpcId)).toBe(true);
  });

  it("answers NotFound and Malformed for bad VPC and subnet ids", async () => {
    await ec2Error(
      ec2.send(new DescribeVpcsCommand({ VpcIds: ["vpc-0123456789abcdef0"] })),
      "InvalidVpcID.NotFound",
    );
    await ec2Error(
      ec2.send(new DescribeSubnetsCommand({ SubnetIds: ["subnet-x"] })),
      "InvalidSubnetID.Malformed",
    );
  });
});

describe("security groups", () => {
  it("creates a group, authorizes ingress, and describes it by id, name and filter", async () => {
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: "annex-pool",
        Description: "HTCondor",
        TagSpecifications: [
          { ResourceType: "security-group", Tags: [{ Key: "annex:component", Value: "pool" }] },
        ],
      }),
    );
    expect(GroupId).toMatch(/^sg-[0-9a-f]{17}$/);
    const authorized = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: condorRule() }),
    );
    expect(authorized.Return).toBe(true);
    expect(authorized.SecurityGroupRules?.[0]).toMatchObject({
      IpProtocol: "tcp",
      FromPort: 9618,
      ToPort: 9618,
      CidrIpv4: "0.0.0.0/0",
      IsEgress: false,
    });
    const byId = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId ?? ""] }));
    expect(byId.SecurityGroups?.[0]?.IpPermissions).toEqual([
      {
        IpProtocol: "tcp",
        FromPort: 9618,
        ToPort: 9618,
        IpRanges: [{ CidrIp: "0.0.0.0/0" }],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      },
    ]);
    const byName = await ec2.send(
      new DescribeSecurityGroupsCommand({ GroupNames: ["annex-pool"] }),
    );
    expect(byName.SecurityGroups?.[0]?.GroupId).toBe(GroupId);
    const byTag = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: "tag:annex:component", Values: ["pool"] }],
      }),
    );
    expect(byTag.SecurityGroups?.map((g) => g.GroupId)).toEqual([GroupId]);
  });

  it("answers InvalidGroup.Duplicate for a name already used in the VPC", async () => {
    await ec2.send(new CreateSecurityGroupCommand({ GroupName: "twice", Description: "x" }));
    const error = await ec2Error(
      ec2.send(new CreateSecurityGroupCommand({ GroupName: "twice", Description: "x" })),
      "InvalidGroup.Duplicate",
    );
    expect(error.message).toMatch(/^The security group 'twice' already exists for VPC 'vpc-/);
  });

  it("answers InvalidPermission.Duplicate for a rule that already exists", async () => {
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: "dup-rule", Description: "x" }),
    );
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId,
        IpPermissions: condorRule("10.0.0.0/8"),
      }),
    );
    const error = await ec2Error(
      ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId,
          IpPermissions: condorRule("10.0.0.0/8"),
        }),
      ),
      "InvalidPermission.Duplicate",
    );
    expect(error.message).toBe(
      'the specified rule "peer: 10.0.0.0/8, TCP, from port: 9618, to port: 9618, ALLOW" already exists',
    );
  });

  it("answers InvalidGroup.NotFound and InvalidGroupId.Malformed", async () => {
    await ec2Error(
      ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ["sg-0123456789abcdef0"] })),
      "InvalidGroup.NotFound",
    );
    await ec2Error(
      ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ["sg-zz"] })),
      "InvalidGroupId.Malformed",
    );
    await ec2Error(
      ec2.send(new DescribeSecurityGroupsCommand({ GroupNames: ["nope"] })),
      "InvalidGroup.NotFound",
    );
    await ec2Error(
      ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: "sg-0123456789abcdef0",
          IpPermissions: condorRule(),
        }),
      ),
      "InvalidGroup.NotFound",
    );
  });

  it("rejects bad protocols and CIDR blocks", async () => {
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: "bad-rules", Description: "x" }),
    );
    await ec2Error(
      ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId,
          IpPermissions: [
            { IpProtocol: "xtp", FromPort: 1, ToPort: 1, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
          ],
        }),
      ),
      "InvalidParameterValue",
    );
    await ec2Error(
      ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId,
          IpPermissions: condorRule("300.0.0.0/8"),
        }),
      ),
      "InvalidParameterValue",
    );
  });

  it("revokes a rule, and deletes a group unless an instance still uses it", async () => {
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: "in-use", Description: "x" }),
    );
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: condorRule() }),
    );
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId, IpPermissions: condorRule() }));
    await ec2Error(
      ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId, IpPermissions: condorRule() })),
      "InvalidPermission.NotFound",
    );
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: "ami-12345678",
        MinCount: 1,
        MaxCount: 1,
        SecurityGroupIds: [GroupId ?? ""],
      }),
    );
    await ec2Error(ec2.send(new DeleteSecurityGroupCommand({ GroupId })), "DependencyViolation");
    await ec2.send(
      new TerminateInstancesCommand({ InstanceIds: [run.Instances?.[0]?.InstanceId ?? ""] }),
    );
    t.clock.advance(10);
    const deleted = await ec2.send(new DeleteSecurityGroupCommand({ GroupId }));
    expect(deleted.Return).toBe(true);
    await ec2Error(ec2.send(new DeleteSecurityGroupCommand({ GroupId })), "InvalidGroup.NotFound");
  });

  it("never deletes the default group", async () => {
    await ec2Error(
      ec2.send(new DeleteSecurityGroupCommand({ GroupName: "default" })),
      "CannotDelete",
    );
  });
});

describe("key pairs", () => {
  it("creates an RSA key pair with its private key and describes it", async () => {
    const created = await ec2.send(
      new CreateKeyPairCommand({
        KeyName: "annex",
        TagSpecifications: [{ ResourceType: "key-pair", Tags: [{ Key: "a", Value: "b" }] }],
      }),
    );
    expect(created.KeyMaterial).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(created.KeyFingerprint).toMatch(/^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
    expect(created.KeyPairId).toMatch(/^key-[0-9a-f]{17}$/);
    const described = await ec2.send(
      new DescribeKeyPairsCommand({ KeyNames: ["annex"], IncludePublicKey: true }),
    );
    expect(described.KeyPairs?.[0]).toMatchObject({
      KeyName: "annex",
      KeyFingerprint: created.KeyFingerprint,
      KeyType: "rsa",
      Tags: [{ Key: "a", Value: "b" }],
    });
    expect(described.KeyPairs?.[0]?.PublicKey).toMatch(/^ssh-rsa AAAA/);
  });

  it("creates ed25519 keys too", async () => {
    const created = await ec2.send(
      new CreateKeyPairCommand({ KeyName: "edkey", KeyType: "ed25519" }),
    );
    expect(created.KeyMaterial).toContain("PRIVATE KEY");
    const described = await ec2.send(
      new DescribeKeyPairsCommand({ KeyNames: ["edkey"], IncludePublicKey: true }),
    );
    expect(described.KeyPairs?.[0]?.PublicKey).toMatch(/^ssh-ed25519 AAAA/);
  });

  it("answers InvalidKeyPair.Duplicate and InvalidKeyPair.NotFound", async () => {
    await ec2.send(new CreateKeyPairCommand({ KeyName: "dup", KeyType: "ed25519" }));
    const dup = await ec2Error(
      ec2.send(new CreateKeyPairCommand({ KeyName: "dup" })),
      "InvalidKeyPair.Duplicate",
    );
    expect(dup.message).toBe("The keypair 'dup' already exists.");
    await ec2Error(
      ec2.send(new DescribeKeyPairsCommand({ KeyNames: ["missing"] })),
      "InvalidKeyPair.NotFound",
    );
  });

  it("deletes a key pair; deleting a missing name still succeeds, as in EC2", async () => {
    await ec2.send(new CreateKeyPairCommand({ KeyName: "temp", KeyType: "ed25519" }));
    expect((await ec2.send(new DeleteKeyPairCommand({ KeyName: "temp" }))).Return).toBe(true);
    await ec2Error(
      ec2.send(new DescribeKeyPairsCommand({ KeyNames: ["temp"] })),
      "InvalidKeyPair.NotFound",
    );
    expect((await ec2.send(new DeleteKeyPairCommand({ KeyName: "temp" }))).Return).toBe(true);
  });
});

describe("zones and instance types", () => {
  it("lists the region's Availability Zones", async () => {
    const { AvailabilityZones } = await ec2.send(new DescribeAvailabilityZonesCommand({}));
    expect(AvailabilityZones?.map((z) => z.ZoneName)).toEqual(
      ["a", "b", "c", "d", "e", "f"].map((z) => `us-east-1${z}`),
    );
    expect(AvailabilityZones?.[0]).toMatchObject({
      State: "available",
      RegionName: "us-east-1",
      ZoneId: "use1-az1",
    });
  });

  it("describes built-in instance types and refuses unknown ones", async () => {
    const { InstanceTypes } = await ec2.send(
      new DescribeInstanceTypesCommand({ InstanceTypes: ["c5.large", "t4g.micro"] }),
    );
    expect(
      InstanceTypes?.map((i) => [
        i.InstanceType,
        i.VCpuInfo?.DefaultVCpus,
        i.ProcessorInfo?.SupportedArchitectures,
      ]),
    ).toEqual([
      ["c5.large", 2, ["x86_64"]],
      ["t4g.micro", 2, ["arm64"]],
    ]);
    await ec2Error(
      ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ["t9.mega" as never] })),
      "InvalidInstanceType",
    );
  });
});
