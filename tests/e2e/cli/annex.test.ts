/**
 * The `annex` binary end to end: spawned as users run it, against the API behind a recording
 * proxy. Everything here holds for any backend that implements the README's API (see harness.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { LocalStack } from "../../../local/stack.ts";
import {
  type Backend,
  makeHome,
  type RecordingProxy,
  runAnnex,
  seedSetup,
  startBackend,
  startProxy,
} from "./harness.ts";

const PROMPT_TAIL = "Is that OK?  (Type 'yes' or 'no'): ";
const STARTED =
  "Annex started. It will take about six minutes for the new machines to join the pool.";

let backend: Backend & { stack: LocalStack };
let proxy: RecordingProxy;
let home: ReturnType<typeof makeHome>;
let counter = 0;
const unique = (prefix: string) => `${prefix}${++counter}${Date.now() % 100000}`;
const annex = (args: string[], input?: string) =>
  runAnnex(args, { url: proxy.url, home: home.home, input });

beforeAll(async () => {
  backend = await startBackend();
  proxy = await startProxy(backend.url);
  home = makeHome();
});
afterAll(async () => {
  await proxy.stop();
  await backend.stop();
  home.cleanup();
});
beforeEach(() => {
  proxy.requests.length = 0;
});

/** The creates the CLI sent (POST /annexes without `dryRun`: the estimate's dry runs are left out). */
const creates = () => proxy.seen("POST", "/annexes").filter((r) => !JSON.parse(r.body).dryRun);
/** The dry runs it sent for the estimate the question shows. */
const dryRuns = () => proxy.seen("POST", "/annexes").filter((r) => JSON.parse(r.body).dryRun);

describe("annex check-setup and setup", () => {
  const setupArgs = [
    "-setup",
    "-collector-host",
    "cm.example.org:9618",
    "-allow-cidr",
    "10.0.0.0/8",
  ];

  it("reports what is missing before setup, and exits 1", async () => {
    const result = await annex(["-check-setup"]);
    expect(result.stdout).toContain("Checking for configuration bucket... OK.\n");
    expect(result.stdout).toMatch(/Checking for security group\.\.\. MISSING: .+\n/);
    expect(result.stdout).toContain(
      "Checking for pool settings... MISSING: pool settings or secrets not stored: run `annex setup` (POST /setup) with -collector-host and -pool-password-file or -pool-token-file\n",
    );
    expect(result.stdout).toMatch(/^Your setup is incomplete .*\n$/m);
    expect(result.code).toBe(1);
  });

  it("refuses a setup without -allow-cidr before sending anything", async () => {
    const result = await annex(["setup", "-collector-host", "cm.example.org"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^annex: setup needs -allow-cidr CIDR.*\n$/);
    expect(proxy.requests).toHaveLength(0);
  });

  it("refuses a first setup without a pool secret in the CLI's words, and creates nothing", async () => {
    const result = await annex(setupArgs);
    expect(result.code).toBe(3);
    const lines = result.stderr.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^annex: -pool-password-file is required \(or -pool-token-file\): no pool secret is stored yet \(-pool-password-file FILE: a file holding the pool password.*; -pool-token-file FILE: a file holding an HTCondor IDTOKEN.*\)$/,
    );
    expect(result.stderr).not.toMatch(/poolPassword|poolToken/);
    const check = await annex(["-check-setup"]);
    expect(check.stdout).toMatch(/Checking for security group\.\.\. MISSING/);
    expect(check.stdout).toMatch(/Checking for pool settings\.\.\. MISSING/);
  });

  it("prints one line per component and 'Setup successful.'", async () => {
    const secret = join(home.home, "pool-password");
    writeFileSync(secret, "s3cret\n");
    const result = await annex([...setupArgs, "-pool-password-file", secret]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(
      /^Setting up cloud-annex at http:\/\/127\.0\.0\.1:\d+ \(this takes less than a minute\)\.\.\.\.* complete\.$/,
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^Creating security group.*\.\.\. complete/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^Checking for configuration bucket\.\.\. OK/),
    );
    expect(lines.at(-1)).toBe("Setup successful.");
    const [post] = proxy.seen("POST", "/setup");
    expect(JSON.parse(post?.body ?? "{}")).toEqual({
      collectorHost: "cm.example.org:9618",
      allowCidr: "10.0.0.0/8",
      poolPassword: "s3cret",
    });
  });

  it("says the setup looks OK afterwards", async () => {
    const result = await annex(["check-setup"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Checking for security group... OK.\n");
    expect(result.stdout.endsWith("Your setup looks OK.\n")).toBe(true);
  });
});

describe("annex create (condor_annex -count …)", () => {
  beforeAll(async () => {
    await seedSetup(backend.url);
  });

  it("asks like condor_annex and starts the annex on 'yes'", async () => {
    const name = unique("MyFirstAnnex");
    const result = await annex(
      [
        "-count",
        "1",
        "-annex-name",
        name,
        "-duration",
        "0.83",
        "-idle",
        "0.25",
        "-aws-on-demand-ami-id",
        "ami-a2a795b4",
      ],
      "yes\n",
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      // 1 m4.large at $0.10/h (the emulator's price list) for 0.83 h: $0.083, at most $0.09.
      "Will request 1 m4.large on-demand instance for 0.83 hours (at most $0.09).  Each instance will terminate after being idle for 0.25 hours.\n" +
        `${PROMPT_TAIL}yes\nStarting annex...\n${STARTED}\n`,
    );
    expect(dryRuns()).toHaveLength(1);
    const posts = creates();
    expect(posts).toHaveLength(1);
    expect(JSON.parse(dryRuns()[0]?.body ?? "{}").clientToken).toBe(
      JSON.parse(posts[0]?.body ?? "{}").clientToken,
    );
    const body = JSON.parse(posts[0]?.body ?? "{}");
    expect(body).toMatchObject({
      name,
      kind: "on-demand",
      count: 1,
      imageId: "ami-a2a795b4",
      durationHours: 0.83,
      idleHours: 0.25,
      owners: [userInfo().username],
    });
    expect(body.clientToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(body).not.toHaveProperty("instanceType"); // the pool's default (m4.large, from setup) applies
  });

  it("creates nothing on 'no' and prints condor_annex's hints", async () => {
    const result = await annex(["-count", "2", "-annex-name", unique("NoAnnex")], "no\n");
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `${PROMPT_TAIL}no\nNot starting an annex; user did not confirm.\n\n`,
    );
    expect(result.stdout).toContain(
      "To change the instance type, use the -aws-on-demand-instance-type flag.\n",
    );
    expect(result.stdout).toContain("To change the lease duration, use the -duration flag.\n");
    expect(result.stdout).toContain(
      "To change how long an idle instance will wait before terminating itself, use the -idle flag.\n",
    );
    expect(result.stderr).toBe("");
    expect(creates()).toHaveLength(0);
  });

  it("only hints at what was not given explicitly", async () => {
    const result = await annex(
      ["-count", "1", "-annex-name", unique("NoAnnex"), "-duration", "1", "-idle", "0.5"],
      "nope\n",
    );
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain("-duration flag");
    expect(result.stdout).not.toContain("-idle flag");
    expect(result.stdout).toContain("-aws-on-demand-instance-type flag");
    expect(creates()).toHaveLength(0);
  });

  it("treats end of input as 'no'", async () => {
    const result = await annex(["create", unique("EofAnnex"), "-count", "1"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("Not starting an annex; user did not confirm.");
    expect(creates()).toHaveLength(0);
  });

  it("skips the question with -yes (subcommand form, name as argument)", async () => {
    const name = unique("YesAnnex");
    const result = await annex([
      "create",
      name,
      "--count=2",
      "--duration",
      "2",
      "-aws-on-demand-instance-type",
      "m5.large",
      "-tag",
      "Project",
      "demo",
      "-yes",
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      "Will request 2 m5.large on-demand instances for 2.00 hours (at most $0.39).  Each instance will terminate after being idle for 0.25 hours.\n" +
        `Starting annex...\n${STARTED}\n`,
    );
    const body = JSON.parse(creates()[0]?.body ?? "{}");
    expect(body).toMatchObject({ name, count: 2, durationHours: 2, tags: { Project: "demo" } });
  });

  it("refuses a -budget below the first billed minute in the CLI's words, before asking, creating nothing", async () => {
    const name = unique("Cheap");
    const result = await annex(["-count", "1", "-annex-name", name, "-budget", "0.001"], "yes\n");
    expect(result.code).toBe(3);
    // 1 m4.large at $0.10/h: its first billed minute is $0.00167.
    expect(result.stderr).toBe(
      "annex: -budget must be at least $0.0017: the first billed minute of its instances (EC2 bills at least 60 s per instance)\n",
    );
    expect(result.stdout).not.toContain("Is that OK?");
    expect(creates()).toHaveLength(0);
    const list = JSON.parse((await annex(["status", "--all", "--json"])).stdout);
    expect(list.annexes.map((a: { name: string }) => a.name)).not.toContain(name);
  });

  it("caps an annex with -budget: the question, status and --json say so", async () => {
    const name = unique("Capped");
    const result = await annex(["-count", "1", "-annex-name", name, "-budget", "0.05", "-yes"]);
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n")[0]).toBe(
      "Will request 1 m4.large on-demand instance for 0.83 hours (at most $0.05, its budget).  Each instance will terminate after being idle for 0.25 hours.",
    );
    expect(JSON.parse(creates()[0]?.body ?? "{}")).toMatchObject({ budgetUsd: 0.05 });
    const status = await annex(["status", name]);
    const [header = "", row = ""] = status.stdout.split("\n");
    expect(header).toMatch(/LEASE LEFT\s+COST\s+BUDGET$/);
    // Launched a moment ago: the first billed minute ($0.0017), heading for the budget.
    expect(row).toMatch(/\s\$0\.0017→\$0\.05\s+\$0\.05 \(3%\)$/);
    const { annex: shown } = JSON.parse((await annex(["status", name, "--json"])).stdout);
    expect(shown.budgetUsd).toBe(0.05);
    expect(shown.cost.spentUsd).toBeCloseTo(0.1 / 60, 6);
    expect(shown.cost.burnUsdPerHour).toBeCloseTo(0.1, 9);
    expect(Date.parse(shown.endsAt)).toBeLessThan(Date.parse(shown.leaseExpiresAt));
    expect(shown.estimate).toMatchObject({ maxUsd: 0.083, perHourUsd: 0.1 });
    await annex(["off", name]);
  });

  it("starts nothing on 'y': only what the prompt asks for, 'yes', says yes", async () => {
    const name = unique("Hasty");
    const result = await annex(["-count", "1", "-annex-name", name], "y\n");
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("Not starting an annex; user did not confirm.");
    expect(creates()).toHaveLength(0);
  });

  it("says a limit the pool enforces with the flag and the limit, once", async () => {
    const result = await annex(["-count", "51", "-annex-name", unique("Big"), "-yes"]);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe("annex: -count must be at most 50\n");
  });

  it("uses a fresh client token per create", async () => {
    await annex(["-count", "1", "-annex-name", unique("TokenA"), "-yes"]);
    await annex(["-count", "1", "-annex-name", unique("TokenB"), "-yes"]);
    const tokens = creates().map((r) => JSON.parse(r.body).clientToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).not.toBe(tokens[1]);
  });

  it("retries a 5xx with the same client token", async () => {
    proxy.inject({ method: "POST", path: "/annexes", times: 1, answer: 503, create: true });
    const result = await annex(["-count", "1", "-annex-name", unique("Retry"), "-yes"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(STARTED);
    const tokens = creates().map((r) => JSON.parse(r.body).clientToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).toBe(tokens[0]);
  });

  it("creates one annex when the answer is lost and the request is retried", async () => {
    const name = unique("Lost");
    proxy.inject({
      method: "POST",
      path: "/annexes",
      times: 1,
      dropAfterForward: true,
      create: true,
    });
    const result = await annex(["-count", "1", "-annex-name", name, "-yes"]);
    expect(result.code).toBe(0);
    expect(creates()).toHaveLength(2);
    const list = await annex(["status", "--json"]);
    const annexes = JSON.parse(list.stdout).annexes.filter(
      (a: { name: string }) => a.name === name,
    );
    expect(annexes).toHaveLength(1);
  });

  it("prints the server's refusal on one line (name in use)", async () => {
    const name = unique("Taken");
    await annex(["-count", "1", "-annex-name", name, "-yes"]);
    const result = await annex(["-count", "1", "-annex-name", name, "-yes"]);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(`annex: an annex named "${name}" is already live\n`);
  });

  it("refuses a fleet config naming another fleet role in the CLI's words, before asking", async () => {
    const file = join(home.home, "other-role.json");
    const config = {
      IamFleetRole: "arn:aws:iam::000000000000:role/someone-elses-role",
      LaunchSpecifications: [{ ImageId: "ami-a2a795b4", InstanceType: "m4.xlarge" }],
    };
    writeFileSync(file, JSON.stringify(config));
    const name = unique("OtherRole");
    const result = await annex(
      ["-annex-name", name, "-slots", "5", "-aws-spot-fleet-config-file", file],
      "yes\n",
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      "annex: -aws-spot-fleet-config-file IamFleetRole must be arn:aws:iam::000000000000:role/aws-ec2-spot-fleet-tagging-role, the only Spot Fleet role this service may pass (or leave IamFleetRole out to use it)\n",
    );
    expect(result.stdout).not.toContain("Is that OK?");
    expect(creates()).toHaveLength(0);
  });

  it("sends a spot fleet request from -slots and the fleet config file, and starts the annex", async () => {
    const file = join(home.home, "fleet.json");
    const config = {
      IamFleetRole: "arn:aws:iam::000000000000:role/aws-ec2-spot-fleet-tagging-role",
      LaunchSpecifications: [
        { ImageId: "ami-a2a795b4", InstanceType: "m4.xlarge", WeightedCapacity: 2 },
      ],
      TargetCapacity: 5,
    };
    writeFileSync(file, JSON.stringify(config));
    const name = unique("SpotAnnex");
    const result = await annex(
      ["-annex-name", name, "-slots", "5", "-aws-spot-fleet-config-file", file],
      "yes\n",
    );
    const [summary = ""] = result.stdout.split("\n");
    const atMost =
      /^Will request 5 spot slots for 0\.83 hours \(at most \$(\d+\.\d\d)\)\. {2}Each instance will terminate after being idle for 0\.25 hours\.$/.exec(
        summary,
      );
    expect(atMost, summary).not.toBeNull();
    // 5 slots of weight 2: 3 m4.xlarge at today's spot price in the dearest zone, for 0.83 h.
    const dearest = Math.max(
      ...Object.values(backend.stack.aws.ec2.control.spotPrices("m4.xlarge")),
    );
    expect(Number(atMost?.[1])).toBeCloseTo(Math.ceil(3 * dearest * 0.83 * 100) / 100, 6);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Starting annex...`);
    expect(result.stdout).toContain(STARTED);
    const body = JSON.parse(creates()[0]?.body ?? "{}");
    expect(body).toMatchObject({ name, kind: "spot-fleet", slots: 5, spotFleetConfig: config });
    expect(body).not.toHaveProperty("count");

    // None of the fleet's instances bootstrapped (nothing runs them here); EC2 still has them.
    const { annex: started } = JSON.parse((await annex(["status", name, "--json"])).stdout);
    const fleetInstances = backend.stack.aws.ec2.control
      .instances()
      .filter((i) => i.tags["annex:id"] === started.id && i.state === "running");
    expect(fleetInstances.length).toBeGreaterThan(1);
    const off = await annex(["off", name]);
    expect(off.stdout).toBe(
      `Annex ${name} is shutting down: terminating ${fleetInstances.length} instances.\n`,
    );
  });
});

describe("bad command lines: one line on stderr, exit 2, nothing sent", () => {
  const fleetless = "/nonexistent/fleet.json";
  const cases: Array<[string, string[], RegExp]> = [
    [
      "an unknown option",
      ["-count", "1", "-annex-name", "X", "-colour", "red"],
      /^annex: unrecognized option \(-colour\)/,
    ],
    [
      "a missing value",
      ["-count", "1", "-annex-name"],
      /^annex: -annex-name requires an argument\.$/,
    ],
    ["-count 0", ["-count", "0", "-annex-name", "X"], /^annex: -count must be at least 1$/],
    [
      "-count abc",
      ["--count=abc", "-annex-name", "X"],
      /^annex: -count requires an integer argument\.$/,
    ],
    [
      "-duration -1",
      ["-count", "1", "-annex-name", "X", "-duration", "-1"],
      /^annex: -duration must be greater than 0$/,
    ],
    [
      "-idle longer than -duration",
      ["-count", "1", "-annex-name", "X", "-duration", "1", "-idle", "2"],
      /^annex: -idle must not exceed -duration \(1\)$/,
    ],
    [
      "an unreadable fleet file",
      ["-annex-name", "X", "-slots", "5", "-aws-spot-fleet-config-file", fleetless],
      /^annex: cannot read -aws-spot-fleet-config-file '\/nonexistent\/fleet\.json' \(no such file\)\.$/,
    ],
    [
      "a bad annex name",
      ["-count", "1", "-annex-name", "bad name!"],
      /^annex: the annex name 'bad name!' is not valid/,
    ],
    [
      "an option of another command",
      ["status", "-count", "3"],
      /^annex: -count does not apply to 'annex status'\.$/,
    ],
    [
      "-annex-name alone (condor_status -annex X), pointing to annex status",
      ["-annex-name", "X"],
      /^annex: to see annex X, run 'annex status X' \(condor_status -annex\)\./,
    ],
    [
      "a reset that also sets -idle",
      ["-annex-name", "X", "-duration", "1", "-idle", "0.5"],
      /^annex: You may not change the idle duration of existing instances\./,
    ],
    ["extend without -duration", ["extend", "X"], /^annex: extend needs -duration HOURS/],
    [
      "extend -duration -1",
      ["extend", "X", "-duration", "-1"],
      /^annex: -duration must be greater than 0$/,
    ],
  ];

  it.each(cases)("rejects %s", async (_what, args, message) => {
    const result = await annex(args, "yes\n");
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    const lines = result.stderr.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(proxy.requests).toHaveLength(0);
  });

  it("rejects a fleet file that is not JSON", async () => {
    const file = join(home.home, "broken.json");
    writeFileSync(file, "{ not json");
    const result = await annex([
      "-annex-name",
      "X",
      "-slots",
      "2",
      "-aws-spot-fleet-config-file",
      file,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^annex: -aws-spot-fleet-config-file '.*broken\.json' is not valid JSON \(.*\)\.\n$/,
    );
    expect(proxy.requests).toHaveLength(0);
  });
});

describe("annex status, extend, history, off", () => {
  const name = unique("Lifecycle");
  const other = unique("Other");

  beforeAll(async () => {
    await seedSetup(backend.url);
    await annex(["-count", "2", "-annex-name", name, "-yes"]);
    await annex(["-count", "1", "-annex-name", other, "-yes"]);
  });

  it("prints a table of instances and a count per state", async () => {
    const result = await annex(["status", name]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(
      /^NAME\s+INSTANCE\s+TYPE\s+STATE\s+JOINED\s+IDLE SINCE\s+LEASE LEFT\s+COST\s+BUDGET$/,
    );
    const rows = lines.slice(1, 3);
    for (const row of rows)
      expect(row).toMatch(
        new RegExp(`^${name}\\s+i-[0-9a-f]+\\s+m4\\.large\\s+\\S+\\s+(yes|no)\\s+`),
      );
    expect(lines[3]).toBe("");
    expect(lines[4]).toMatch(/^1 annex, 2 instances: \d+ \w+/);
  });

  it("lists every annex with -status and no name", async () => {
    const result = await annex(["-status"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(name);
    expect(result.stdout).toContain(other);
  });

  it("shows one annex with -status -annex-name, as ClassAds with -classad", async () => {
    const result = await annex(["-status", "-annex-name", other, "-classad"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`AnnexName = "${other}"\n`);
    expect(result.stdout).toMatch(/^InstanceID = "i-[0-9a-f]+"$/m);
    expect(result.stdout).not.toContain(name);
  });

  it("prints the API's JSON with --json", async () => {
    const result = await annex(["status", name, "--json"]);
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout);
    expect(answer.annex.name).toBe(name);
    expect(answer.annex.instances).toHaveLength(2);
  });

  it("says so when the annex does not exist", async () => {
    const result = await annex(["status", "NoSuchAnnex"]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^annex: .*NoSuchAnnex.*\n$/);
  });

  it("resets the lease and prints the new expiry", async () => {
    const result = await annex(["extend", name, "-duration", "2"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `^Lease updated\\. Annex ${name} will now end at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC \\(in (1h59m|2h00m)\\)\\.\\n$`,
      ),
    );
    expect(JSON.parse(proxy.seen("PATCH")[0]?.body ?? "{}")).toEqual({ durationHours: 2 });
  });

  it("resets the lease with condor_annex's spelling", async () => {
    const result = await annex(["-annex-name", other, "-duration", "1.5"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\(in (1h29m|1h30m)\)\.\n$/);
  });

  it("shows the audit trail", async () => {
    const result = await annex(["history", name]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(new RegExp(`^Annex ${name} \\(\\w+\\), \\w+:$`));
    expect(lines[1]).toMatch(/^TIME\s+EVENT\s+DETAILS$/);
    expect(result.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\s+created\b/m);
    expect(result.stdout).toMatch(/\blease-extended\b/);
  });

  it("turns the annex off", async () => {
    const result = await annex(["off", name]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`Annex ${name} is shutting down: terminating 2 instances.\n`);
    expect(proxy.seen("DELETE")).toHaveLength(1);
    const after = JSON.parse((await annex(["status", name, "--json"])).stdout);
    expect(["stopping", "ended"]).toContain(after.annex.state);
  });

  it("refuses to extend an annex that is off", async () => {
    const result = await annex(["extend", name, "-duration", "1"]);
    expect(result.code).toBe(3);
    expect(result.stderr.split("\n").filter(Boolean)).toHaveLength(1);
  });

  it("lists live annexes by default, and ended ones only with --all, marked", async () => {
    const live = await annex(["status"]);
    expect(live.code).toBe(0);
    expect(live.stdout).toContain(other);
    expect(live.stdout).not.toMatch(new RegExp(`^${name}\\s`, "m"));
    expect(live.stdout).toMatch(
      /^\d+ ended annex(es)? not shown \('annex status --all' lists them\)\.$/m,
    );
    const all = await annex(["status", "--all"]);
    expect(all.stdout).toMatch(
      // The ended annex keeps its final cost; it had no budget.
      new RegExp(
        `^${name}\\s+-\\s+\\S+\\s+\\(ended\\)\\s.*ended \\(off\\)\\s+\\$\\d+\\.\\d+\\s+-$`,
        "m",
      ),
    );
    expect(all.stdout).not.toMatch(/not shown/);
  });
});

describe("help", () => {
  it("prints the general help with --help and exits 0", async () => {
    const result = await annex(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("annex create -count N -annex-name NAME");
    expect(result.stdout).toContain("Exit status:");
  });

  it.each([
    [["create", "--help"], "-aws-on-demand-instance-type"],
    [["status", "-help"], "-classad"],
    [["help", "extend"], "-duration HOURS"],
    [["-setup", "-h"], "-collector-host"],
    [["off", "--help"], "condor_off -annex"],
    [["history", "--help"], "audit trail"],
    [["check-setup", "--help"], "Checking for"],
  ])("prints the help of %j", async (args, text) => {
    const result = await annex(args);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(text);
    expect(proxy.requests).toHaveLength(0);
  });

  it("prints a one-line usage for a bare 'annex' and exits 2", async () => {
    const result = await annex([]);
    expect(result.code).toBe(2);
    expect(result.stderr.split("\n").filter(Boolean)).toHaveLength(1);
  });
});

describe("where it talks", () => {
  let scratch: ReturnType<typeof makeHome>;
  beforeEach(() => {
    scratch = makeHome();
  });
  afterEach(() => scratch.cleanup());

  const run = (args: string[], env: Record<string, string> = {}) =>
    runAnnex(args, { home: scratch.home, env });

  it("sends the OS user as x-annex-owner to a loopback API", async () => {
    await run(["status"], { ANNEX_URL: proxy.url });
    expect(proxy.requests[0]?.headers["x-annex-owner"]).toBe(userInfo().username);
    expect(proxy.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("reads the URL from ~/.annex/config.json", async () => {
    mkdirSync(join(scratch.home, ".annex"));
    writeFileSync(join(scratch.home, ".annex", "config.json"), JSON.stringify({ url: proxy.url }));
    const result = await run(["status"]);
    expect(result.code).toBe(0);
    expect(proxy.seen("GET", "/annexes")).toHaveLength(1);
  });

  it("prefers the XDG config file, and --url over everything", async () => {
    mkdirSync(join(scratch.home, ".config", "annex"), { recursive: true });
    writeFileSync(
      join(scratch.home, ".config", "annex", "config.json"),
      JSON.stringify({ url: proxy.url }),
    );
    mkdirSync(join(scratch.home, ".annex"));
    writeFileSync(
      join(scratch.home, ".annex", "config.json"),
      JSON.stringify({ url: "http://127.0.0.1:9" }),
    );
    expect((await run(["status"])).code).toBe(0);
    const viaFlag = await run(["status", "--url", proxy.url], { ANNEX_URL: "http://127.0.0.1:9" });
    expect(viaFlag.code).toBe(0);
    expect(proxy.seen("GET", "/annexes")).toHaveLength(2);
  });

  it("rejects a broken config file in one line", async () => {
    mkdirSync(join(scratch.home, ".annex"));
    writeFileSync(join(scratch.home, ".annex", "config.json"), "{ url: ");
    const result = await run(["status"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^annex: the config file .*config\.json is not valid JSON\.\n$/);
  });

  it("exits 4 with one line when the API cannot be reached", async () => {
    const result = await run(["status"], { ANNEX_URL: "http://127.0.0.1:9" });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(
      /^annex: cannot reach the annex API at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\).*\n$/,
    );
  });

  it("exits 5 with one line when the API keeps failing", async () => {
    proxy.inject({ method: "GET", path: "/annexes", times: 4, answer: 500 });
    const result = await run(["status"], { ANNEX_URL: proxy.url });
    expect(result.code).toBe(5);
    expect(result.stderr).toBe("annex: internal error (HTTP 500)\n");
    expect(proxy.seen("GET", "/annexes")).toHaveLength(4);
  });
});
