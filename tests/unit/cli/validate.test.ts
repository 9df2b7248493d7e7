import { describe, expect, it } from "vitest";
import { parseArgs } from "../../../cli/args.ts";
import { UsageError } from "../../../cli/errors.ts";
import { type PlanContext, planFor } from "../../../cli/validate.ts";
import { DEFAULT_DURATION_HOURS } from "../../../shared/domain/lease.ts";

const files: Record<string, string> = {
  "fleet.json": JSON.stringify({
    IamFleetRole: "arn:aws:iam::123456789012:role/r",
    TargetCapacity: 5,
    LaunchSpecifications: [{ InstanceType: "c3.large", WeightedCapacity: 2 }],
  }),
  "array.json": "[1, 2]",
  "broken.json": "{ nope",
  "ud.sh": "#!/bin/sh\necho hi\n",
  "nofleetrole.json": JSON.stringify({ LaunchSpecifications: [{ InstanceType: "c3.large" }] }),
  "badfleetrole.json": JSON.stringify({
    IamFleetRole: "fleet-role",
    LaunchSpecifications: [{ InstanceType: "c3.large" }],
  }),
  pw: "secret\n",
};

const ctx: PlanContext = {
  readText: (path) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error("nope"), { code: "ENOENT" });
    return text;
  },
  defaults: {},
  username: "alice",
  findCollector: () => undefined,
  newToken: () => "token-1",
};

function plan(argv: string[], context: PlanContext = ctx) {
  const inv = parseArgs(argv);
  if (inv.command === "help") throw new Error("help");
  return planFor({ ...inv, command: inv.command }, context);
}

function usage(argv: string[], context: PlanContext = ctx): string {
  try {
    plan(argv, context);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error("no UsageError");
}

describe("planFor create", () => {
  it("applies the domain's default durations and the caller as owner, and leaves the type to the pool", () => {
    expect(plan(["-count", "2", "-annex-name", "A"])).toEqual({
      command: "create",
      yes: false,
      specified: { duration: false, idle: false, instanceType: false },
      body: {
        name: "A",
        clientToken: "token-1",
        kind: "on-demand",
        count: 2,
        durationHours: DEFAULT_DURATION_HOURS,
        idleHours: 0.25,
        owners: ["alice"],
      },
    });
  });

  it("takes the default instance type from the config file", () => {
    const p = plan(["-count", "1", "-annex-name", "A"], {
      ...ctx,
      defaults: { instanceType: "c5.xlarge" },
    });
    expect(p).toMatchObject({ body: { instanceType: "c5.xlarge" } });
  });

  it("maps every on-demand option to the API body", () => {
    const p = plan([
      "-count",
      "3",
      "-annex-name",
      "A",
      "-duration",
      "2",
      "-idle",
      "0.5",
      "-aws-on-demand-instance-type",
      "m5.large",
      "-aws-on-demand-ami-id",
      "ami-0123456789abcdef0",
      "-aws-on-demand-security-group-ids",
      "sg-01234567,sg-89abcdef",
      "-aws-on-demand-key-name",
      "k",
      "-aws-user-data-file",
      "ud.sh",
      "-tag",
      "Project",
      "x",
      "-owner",
      "bob, carol",
      "-yes",
    ]);
    expect(p).toMatchObject({
      yes: true,
      specified: { duration: true, idle: true, instanceType: true },
      body: {
        count: 3,
        durationHours: 2,
        idleHours: 0.5,
        instanceType: "m5.large",
        imageId: "ami-0123456789abcdef0",
        securityGroupIds: ["sg-01234567", "sg-89abcdef"],
        keyName: "k",
        userData: "#!/bin/sh\necho hi\n",
        tags: { Project: "x" },
        owners: ["bob", "carol"],
      },
    });
  });

  it("sends noOwner instead of owners with -no-owner", () => {
    const p = plan(["-count", "1", "-annex-name", "A", "-no-owner"]);
    expect(p).toMatchObject({ body: { noOwner: true } });
    expect(p).not.toHaveProperty("body.owners");
  });

  it("builds a spot fleet request from -slots and the parsed config file", () => {
    const p = plan([
      "-annex-name",
      "S",
      "-slots",
      "5",
      "-aws-spot-fleet-config-file",
      "fleet.json",
    ]);
    expect(p).toMatchObject({
      body: {
        kind: "spot-fleet",
        slots: 5,
        spotFleetConfig: JSON.parse(files["fleet.json"] as string),
      },
    });
    expect(p).not.toHaveProperty("body.instanceType");
    expect(p).not.toHaveProperty("body.count");
  });

  it("refuses an image or type flag on a spot fleet annex, in either spelling", () => {
    const spot = ["-annex-name", "S", "-slots", "5", "-aws-spot-fleet-config-file", "fleet.json"];
    // -aws-ami-id is another name of -aws-on-demand-ami-id.
    for (const flag of ["aws-on-demand-ami-id", "aws-ami-id"])
      expect(usage([...spot, `-${flag}`, "ami-a2a795b4"])).toBe(
        "-aws-on-demand-ami-id is not for Spot Fleet annexes; set it in the fleet config file.",
      );
    expect(usage([...spot, "-aws-on-demand-instance-type", "m5.large"])).toBe(
      "-aws-on-demand-instance-type is not for Spot Fleet annexes; set it in the fleet config file.",
    );
  });

  it("leaves a config without IamFleetRole to the service, which fills in the stage's role", () => {
    const p = plan([
      "-annex-name",
      "S",
      "-slots",
      "5",
      "-aws-spot-fleet-config-file",
      "nofleetrole.json",
    ]);
    expect(p).toMatchObject({ body: { kind: "spot-fleet", spotFleetConfig: {} } });
    expect(p).not.toHaveProperty("body.spotFleetConfig.IamFleetRole");
  });

  it.each([
    [["-count", "0", "-annex-name", "A"], "-count must be at least 1"],
    [["-count", "1.5", "-annex-name", "A"], "-count requires an integer argument."],
    [["-count", "1", "-annex-name", "A", "-duration", "-1"], "-duration must be greater than 0"],
    [
      ["-count", "1", "-annex-name", "A", "-duration", "soon"],
      "-duration accepts a decimal number of hours.",
    ],
    [["-count", "1", "-annex-name", "A", "-idle", "0"], "-idle must be greater than 0"],
    [
      ["-count", "1", "-annex-name", "A", "-duration", "1", "-idle", "2"],
      "-idle must not exceed -duration (1)",
    ],
    [["-count", "1", "-annex-name", "A", "-idle", "1"], "-idle must not exceed -duration (0.83)"],
    [["-count", "1"], "you must specify -annex-name."],
    [
      ["-annex-name", "S", "-slots", "0", "-aws-spot-fleet-config-file", "fleet.json"],
      "-slots must be at least 1",
    ],
    [
      ["-annex-name", "S", "-slots", "5"],
      "Spot Fleet Requests require the -aws-spot-fleet-config-file flag.",
    ],
    [
      ["-annex-name", "S", "-count", "1", "-aws-spot-fleet-config-file", "fleet.json"],
      "unwilling to ignore -aws-spot-fleet-config-file being set for an on-demand annex.",
    ],
    [
      ["-annex-name", "S", "-slots", "5", "-aws-spot-fleet-config-file", "missing.json"],
      "cannot read -aws-spot-fleet-config-file 'missing.json' (no such file).",
    ],
    [
      ["-annex-name", "S", "-slots", "5", "-aws-spot-fleet-config-file", "array.json"],
      `-aws-spot-fleet-config-file 'array.json' must hold a JSON object (the console's "JSON config").`,
    ],
    [
      ["-count", "1", "-annex-name", "A", "-aws-user-data", "x", "-aws-user-data-file", "ud.sh"],
      "you may specify no more than one of -aws-[default-]user-data[-file].",
    ],
    [
      ["-count", "1", "-annex-name", "A", "-owner", "bob", "-no-owner"],
      "-owner must not be given with -no-owner",
    ],
    [
      ["-count", "1", "-annex-name", "A", "-tag", "aws:x", "1"],
      '-tag "aws:x" key must not start with aws: or annex:',
    ],
    [
      ["-count", "1", "-annex-name", "A", "-tag", "Project", "x", "-tag", "Project", "y"],
      "-tag 'Project' was given twice.",
    ],
    [
      ["-count", "1", "-annex-name", "A", "-aws-on-demand-ami-id", "ami-xyz"],
      "-aws-on-demand-ami-id must be an AMI id such as ami-0123456789abcdef0",
    ],
    [
      ["-count", "1", "-annex-name", "A", "-aws-on-demand-instance-type", "large"],
      "-aws-on-demand-instance-type must be an instance type such as m5.large",
    ],
    [
      [
        "-count",
        "1",
        "-annex-name",
        "A",
        "-aws-on-demand-security-group-ids",
        "sg-01234567,default",
      ],
      "-aws-on-demand-security-group-ids (item 2) must be a security group id such as sg-0123456789abcdef0",
    ],
    [
      ["-count", "1", "-annex-name", "A", "-aws-user-data", "x".repeat(16 * 1024 + 1)],
      "-aws-user-data must be at most 16384 bytes",
    ],
    [
      ["-annex-name", "S", "-slots", "5", "-aws-spot-fleet-config-file", "badfleetrole.json"],
      "-aws-spot-fleet-config-file IamFleetRole must be an IAM role ARN",
    ],
  ])("rejects %j", (argv, message) => {
    expect(usage(argv)).toBe(message);
  });

  it("leaves the pool's limits to the service (setup may have raised them)", () => {
    expect(
      plan(["-count", "500", "-annex-name", "A", "-duration", "9000", "-idle", "1"]),
    ).toMatchObject({ body: { count: 500, durationHours: 9000 } });
  });

  it("rejects annex names the service would refuse", () => {
    expect(usage(["-count", "1", "-annex-name", "-x"])).toMatch(
      /^the annex name '-x' is not valid/,
    );
    expect(usage(["-count", "1", "-annex-name", "a b"])).toMatch(
      /^the annex name 'a b' is not valid/,
    );
    expect(usage(["-count", "1", "-annex-name", "x".repeat(33)])).toMatch(
      /is not valid: it must be at most 32 characters\.$/,
    );
    expect(plan(["-count", "1", "-annex-name", "x".repeat(32)])).toMatchObject({
      body: { name: "x".repeat(32) },
    });
  });

  it("reports a fleet file that is not JSON with the parser's reason", () => {
    expect(
      usage(["-annex-name", "S", "-slots", "5", "-aws-spot-fleet-config-file", "broken.json"]),
    ).toMatch(/^-aws-spot-fleet-config-file 'broken\.json' is not valid JSON \(.+\)\.$/);
  });

  it("refuses a default owner that HTCondor would not accept", () => {
    expect(usage(["-count", "1", "-annex-name", "A"], { ...ctx, username: "DOMAIN\\bob" })).toMatch(
      /^your user name 'DOMAIN\\bob' is not an HTCondor user name; give -owner USER or -no-owner\.$/,
    );
  });
});

describe("planFor other commands", () => {
  it("needs a name for extend, off and history, from either spelling", () => {
    expect(plan(["extend", "A", "-duration", "1.5"])).toEqual({
      command: "extend",
      name: "A",
      durationHours: 1.5,
    });
    expect(plan(["-annex-name", "A", "-duration", "1"])).toEqual({
      command: "extend",
      name: "A",
      durationHours: 1,
    });
    expect(plan(["off", "A"])).toEqual({ command: "off", name: "A" });
    expect(usage(["off"])).toBe(
      "you must specify the annex: 'annex off NAME' or -annex-name NAME.",
    );
    expect(usage(["history", "A", "B"])).toBe("unexpected argument (B).");
    expect(usage(["status", "A", "-annex-name", "B"])).toBe("two annex names given ('A' and 'B').");
  });

  it("lists everything for status without a name", () => {
    expect(plan(["status"])).toEqual({
      command: "status",
      name: undefined,
      classad: false,
      all: false,
    });
    expect(plan(["status", "--all"])).toMatchObject({ command: "status", all: true });
  });

  it("builds the setup body, reading the pool password file", () => {
    expect(
      plan([
        "setup",
        "-collector-host",
        "cm:9618",
        "-allow-cidr",
        "10.0.0.0/8",
        "-pool-password-file",
        "pw",
        "-ssh-cidr",
        "192.0.2.0/24",
        "-create-key-pair",
        "-max-count",
        "10",
      ]),
    ).toEqual({
      command: "setup",
      body: {
        collectorHost: "cm:9618",
        allowCidr: "10.0.0.0/8",
        sshCidr: "192.0.2.0/24",
        createKeyPair: true,
        poolPassword: "secret",
        limits: { maxCount: 10 },
      },
    });
  });

  it("finds the collector in the config file or from HTCondor", () => {
    const fromHtcondor = { ...ctx, findCollector: () => "cm.pool.org" };
    expect(plan(["-setup", "-allow-cidr", "0.0.0.0/0"], fromHtcondor)).toMatchObject({
      body: { collectorHost: "cm.pool.org" },
    });
    const fromConfig = {
      ...fromHtcondor,
      defaults: { collectorHost: "cm.cfg", allowCidr: "10.1.0.0/16" },
    };
    expect(plan(["-setup"], fromConfig)).toMatchObject({
      body: { collectorHost: "cm.cfg", allowCidr: "10.1.0.0/16" },
    });
    expect(usage(["-setup", "-allow-cidr", "10.0.0.0/8"])).toMatch(
      /^setup needs the pool's collector/,
    );
  });
});

describe("planFor setup", () => {
  const setup = (...extra: string[]) =>
    usage(["setup", "-collector-host", "cm:9618", "-allow-cidr", "10.0.0.0/8", ...extra]);

  it.each([
    [
      ["-ssh-cidr", "10.0.0.0"],
      "-ssh-cidr must be a CIDR block such as 192.0.2.0/24 or 2001:db8::/32",
    ],
    [["-ssh-cidr", "10.0.0.1/8"], "-ssh-cidr has host bits set (did you mean 10.0.0.0/8?)"],
    [["-ssh-cidr", "10.0.0.0/33"], "-ssh-cidr prefix length must be at most 32"],
    [["-vpc-id", "default"], "-vpc-id must be a VPC id such as vpc-0123456789abcdef0"],
    [["-max-count", "0"], "-max-count must be at least 1"],
    [
      ["-default-ami-id", "ami-1"],
      "-default-ami-id must be an AMI id such as ami-0123456789abcdef0",
    ],
    [
      ["-pool-password-file", "pw", "-pool-token-file", "pw"],
      "-pool-token-file must be an HTCondor IDTOKEN (a JWT); -pool-token-file must not be given with -pool-password-file",
    ],
  ])("rejects %j in the flags' words", (extra, message) => {
    expect(setup(...extra)).toBe(message);
  });

  it("accepts IPv4 and IPv6 blocks", () => {
    expect(plan(["setup", "-collector-host", "cm", "-allow-cidr", "2001:db8::/32"])).toMatchObject({
      body: { allowCidr: "2001:db8::/32" },
    });
  });
});
