import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEc2, type TestEc2 } from "./server.ts";

const awsPath = "/usr/bin/aws";
const exec = promisify(execFile);

let t: TestEc2;
let dir: string;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  // biome-ignore lint/suspicious/noExplicitAny: the CLI prints each command's own JSON shape
  json: any;
}

async function aws(...args: string[]): Promise<CliResult> {
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_CONFIG_FILE: join(dir, "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_PAGER: "",
    AWS_MAX_ATTEMPTS: "1",
  };
  const argv = [
    "--endpoint-url",
    t.endpoint,
    "--region",
    "us-east-1",
    "--output",
    "json",
    "ec2",
    ...args,
  ];
  try {
    const { stdout, stderr } = await exec(awsPath, argv, { env });
    return { code: 0, stdout, stderr, json: stdout.trim() ? JSON.parse(stdout) : undefined };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr, json: undefined };
  }
}

describe("the AWS CLI against the emulator", { timeout: 120_000 }, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ec2-cli-"));
    t = await startEc2({ delays: { pendingMs: 1000, shuttingDownMs: 1000 } });
  });
  afterAll(async () => {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs instances with a client token twice and gets one reservation", async () => {
    const args = [
      "run-instances",
      "--image-id",
      "ami-12345678",
      "--instance-type",
      "t3.micro",
      "--count",
      "2",
      "--client-token",
      "cli-token-1",
      "--user-data",
      "#!/bin/sh\necho hi",
      "--tag-specifications",
      "ResourceType=instance,Tags=[{Key=annex:id,Value=CLI-1}]",
      "ResourceType=volume,Tags=[{Key=annex:id,Value=CLI-1}]",
    ];
    const first = await aws(...args);
    expect(first.code, first.stderr).toBe(0);
    const [second, user] = await Promise.all([
      aws(...args),
      aws(
        "describe-instance-attribute",
        "--instance-id",
        first.json.Instances[0].InstanceId,
        "--attribute",
        "userData",
      ),
    ]);
    expect(second.json.ReservationId).toBe(first.json.ReservationId);
    expect(second.json.Instances.map((i: { InstanceId: string }) => i.InstanceId)).toEqual(
      first.json.Instances.map((i: { InstanceId: string }) => i.InstanceId),
    );
    expect(Buffer.from(user.json.UserData.Value, "base64").toString()).toBe("#!/bin/sh\necho hi");
  });

  it("describes instances by tag", async () => {
    const out = await aws(
      "describe-instances",
      "--filters",
      "Name=tag:annex:id,Values=CLI-1",
      "Name=instance-state-name,Values=pending,running",
    );
    const instances = out.json.Reservations.flatMap((r: { Instances: unknown[] }) => r.Instances);
    expect(instances).toHaveLength(2);
  });

  it("paginates describe-instances transparently", async () => {
    await aws(
      "run-instances",
      "--image-id",
      "ami-12345678",
      "--count",
      "23",
      "--tag-specifications",
      "ResourceType=instance,Tags=[{Key=annex:id,Value=CLI-PAGE}]",
    );
    const out = await aws(
      "describe-instances",
      "--filters",
      "Name=tag:annex:id,Values=CLI-PAGE",
      "--page-size",
      "5",
    );
    expect(
      out.json.Reservations.flatMap((r: { Instances: unknown[] }) => r.Instances),
    ).toHaveLength(23);
  });

  it("requests a weighted spot fleet, cancels it with termination, and every instance ends terminated", async () => {
    const config = join(dir, "fleet.json");
    writeFileSync(
      config,
      JSON.stringify({
        IamFleetRole: "arn:aws:iam::000000000000:role/aws-ec2-spot-fleet-tagging-role",
        TargetCapacity: 6,
        AllocationStrategy: "lowestPrice",
        LaunchSpecifications: [
          { ImageId: "ami-12345678", InstanceType: "m5.xlarge", WeightedCapacity: 4 },
          { ImageId: "ami-12345678", InstanceType: "c5.large", WeightedCapacity: 2 },
        ],
      }),
    );
    const request = await aws(
      "request-spot-fleet",
      "--spot-fleet-request-config",
      `file://${config}`,
    );
    expect(request.code, request.stderr).toBe(0);
    const fleetId = request.json.SpotFleetRequestId;
    const instances = await aws(
      "describe-spot-fleet-instances",
      "--spot-fleet-request-id",
      fleetId,
    );
    expect(
      instances.json.ActiveInstances.map((i: { InstanceType: string }) => i.InstanceType),
    ).toEqual(["c5.large", "c5.large", "c5.large"]);
    const cancel = await aws(
      "cancel-spot-fleet-requests",
      "--spot-fleet-request-ids",
      fleetId,
      "--terminate-instances",
    );
    expect(cancel.json.SuccessfulFleetRequests[0].CurrentSpotFleetRequestState).toBe(
      "cancelled_terminating",
    );
    t.clock.advance(1000);
    const [after, fleet] = await Promise.all([
      aws(
        "describe-instances",
        "--filters",
        `Name=tag:aws:ec2spot:fleet-request-id,Values=${fleetId}`,
      ),
      aws("describe-spot-fleet-requests", "--spot-fleet-request-ids", fleetId),
    ]);
    const states = after.json.Reservations.flatMap(
      (r: { Instances: { State: { Name: string } }[] }) => r.Instances.map((i) => i.State.Name),
    );
    expect(states).toEqual(["terminated", "terminated", "terminated"]);
    expect(fleet.json.SpotFleetRequestConfigs[0].SpotFleetRequestState).toBe("cancelled");
  });

  it("creates a tagged launch template and an instant fleet from it, then deletes the fleet", async () => {
    const template = await aws(
      "create-launch-template",
      "--launch-template-name",
      "cli-fleet",
      "--launch-template-data",
      JSON.stringify({ ImageId: "ami-12345678", UserData: Buffer.from("boot").toString("base64") }),
      "--tag-specifications",
      "ResourceType=launch-template,Tags=[{Key=annex:id,Value=CLI-F}]",
    );
    expect(template.code, template.stderr).toBe(0);
    const described = await aws(
      "describe-launch-templates",
      "--filters",
      "Name=tag:annex:id,Values=CLI-F",
    );
    expect(
      described.json.LaunchTemplates.map(
        (l: { LaunchTemplateName: string }) => l.LaunchTemplateName,
      ),
    ).toEqual(["cli-fleet"]);
    const input = join(dir, "create-fleet.json");
    writeFileSync(
      input,
      JSON.stringify({
        Type: "instant",
        LaunchTemplateConfigs: [
          {
            LaunchTemplateSpecification: { LaunchTemplateName: "cli-fleet", Version: "$Latest" },
            Overrides: [
              {
                InstanceRequirements: { VCpuCount: { Min: 4, Max: 4 }, MemoryMiB: { Min: 16384 } },
              },
            ],
          },
        ],
        TargetCapacitySpecification: {
          TotalTargetCapacity: 8,
          DefaultTargetCapacityType: "spot",
          TargetCapacityUnitType: "vcpu",
        },
        SpotOptions: { AllocationStrategy: "price-capacity-optimized" },
      }),
    );
    const fleet = await aws("create-fleet", "--cli-input-json", `file://${input}`);
    expect(fleet.code, fleet.stderr).toBe(0);
    const launched = fleet.json.Instances.flatMap((i: { InstanceIds: string[] }) => i.InstanceIds);
    expect(launched).toHaveLength(2);
    const types = await aws(
      "get-instance-types-from-instance-requirements",
      "--architecture-types",
      "x86_64",
      "--virtualization-types",
      "hvm",
      "--instance-requirements",
      "VCpuCount={Min=4,Max=4},MemoryMiB={Min=16384}",
    );
    const matching = types.json.InstanceTypes.map((i: { InstanceType: string }) => i.InstanceType);
    expect(matching).toEqual(expect.arrayContaining(["m5.xlarge", "r5.xlarge"]));
    expect(matching).toContain(fleet.json.Instances[0].InstanceType);
    const deleted = await aws(
      "delete-fleets",
      "--fleet-ids",
      fleet.json.FleetId,
      "--terminate-instances",
    );
    expect(deleted.json.SuccessfulFleetDeletions[0].CurrentFleetState).toBe("deleted_terminating");
  });

  it("shows EC2's error codes", async () => {
    const authorize = [
      "authorize-security-group-ingress",
      "--group-name",
      "cli-group",
      "--protocol",
      "tcp",
      "--port",
      "9618",
      "--cidr",
      "0.0.0.0/0",
    ];
    const [missing, created] = await Promise.all([
      aws("describe-instances", "--instance-ids", "i-0123456789abcdef0"),
      aws("create-security-group", "--group-name", "cli-group", "--description", "x"),
    ]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("(InvalidInstanceID.NotFound)");
    expect(created.code, created.stderr).toBe(0);
    const [dup] = await Promise.all([
      aws("create-security-group", "--group-name", "cli-group", "--description", "x"),
      aws(...authorize),
    ]);
    expect(dup.stderr).toContain("(InvalidGroup.Duplicate)");
    const rule = await aws(...authorize);
    expect(rule.stderr).toContain("(InvalidPermission.Duplicate)");
  });
});
