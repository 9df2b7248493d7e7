/**
 * `annex` in situations arranged through the local stack: EC2 capacity shortfalls (the emulator's
 * fault controls), a setup component that fails (a VPC that does not exist), a new key pair, and
 * instances that joined the pool (bootstrapped with their signed identity documents).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { instanceProof } from "../../support/proof.ts";
import { type Backend, makeHome, runAnnex, seedSetup, startBackend } from "./harness.ts";

let backend: Backend & Awaited<ReturnType<typeof startBackend>>;
const home = makeHome();
const password = join(home.home, "pool-password");
writeFileSync(password, "e2e-pool-password\n");

beforeAll(async () => {
  backend = await startBackend();
});
afterAll(async () => {
  await backend.stop();
  home.cleanup();
});
afterEach(() => backend.stack.aws.ec2.control.resetFaults());

const annex = (args: string[], input?: string) =>
  runAnnex(args, { url: backend.url, home: home.home, input });
const setupArgs = [
  "-collector-host",
  "cm.example.org",
  "-allow-cidr",
  "10.0.0.0/8",
  "-pool-password-file",
  password,
];

describe("annex in arranged situations", () => {
  it("refuses a VPC that does not exist before setting anything up, naming -vpc-id", async () => {
    const result = await annex(["setup", ...setupArgs, "-vpc-id", "vpc-0000000000000dead"]);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/\(this takes less than a minute\)\.*\s*failed\.\n$/);
    expect(result.stderr).toBe("annex: -vpc-id does not exist in this region\n");
  });

  it("saves a new key pair's private key where only the user can read it", async () => {
    const result = await annex(["-setup", ...setupArgs, "-create-key-pair"]);
    expect(result.code).toBe(0);
    const pem = join(home.home, ".annex", "cloud-annex-local.pem");
    expect(result.stdout).toContain(
      `Saved the private key of key pair cloud-annex-local to ${pem}`,
    );
    expect(statSync(pem).mode & 0o777).toBe(0o600);
    expect(readFileSync(pem, "utf8")).toContain("PRIVATE KEY");
    expect(result.stdout).not.toContain("PRIVATE KEY-----");
    expect(existsSync(pem)).toBe(true);
  });

  it("says so when EC2 gave fewer instances than asked", async () => {
    await seedSetup(backend.url);
    backend.stack.aws.ec2.control.setCapacity("m4.large", 2);
    const result = await annex([
      "-count",
      "5",
      "-annex-name",
      "Partial",
      "-aws-on-demand-ami-id",
      "ami-a2a795b4",
      "-yes",
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "Annex started. It will take about six minutes for the new machines to join the pool.\n" +
        "Only 2 of 5 requested instances could be started (not enough EC2 capacity); the annex will run with 2.\n",
    );
  });

  it("reports no capacity at all in one line and exits 3", async () => {
    backend.stack.aws.ec2.control.setCapacity("m4.large", 0);
    const result = await annex([
      "-count",
      "1",
      "-annex-name",
      "Nothing",
      "-aws-on-demand-ami-id",
      "ami-a2a795b4",
      "-yes",
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^annex: EC2 has no capacity now: .*\n$/);
    const status = await annex(["status", "Nothing"]);
    expect(status.stdout).toContain("failed");
  });

  it("shows joined instances and how long they have been idle", async () => {
    await seedSetup(backend.url);
    await annex([
      "-count",
      "2",
      "-annex-name",
      "Joined",
      "-aws-on-demand-ami-id",
      "ami-a2a795b4",
      "-yes",
    ]);
    const ids = backend.stack.aws.ec2.control
      .instances()
      .filter((i) => i.tags["annex:name"] === "Joined")
      .map((i) => i.instanceId);
    for (const id of ids) {
      const response = await fetch(`${backend.url}/bootstrap`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(await instanceProof(backend.stack, id)),
      });
      expect(response.status).toBe(200);
    }
    const result = await annex(["status", "Joined"]);
    const rows = result.stdout.split("\n").filter((line) => line.startsWith("Joined "));
    expect(rows).toHaveLength(2);
    // The annex's COST (spent so far → at the lease end) and BUDGET (none) on its first row only.
    expect(rows[0]).toMatch(/\s+running\s+yes\s+<1m ago\s+(49m|50m)\s+\$[\d.]+→\$[\d.]+\s+-$/);
    expect(rows[1]).toMatch(/\s+running\s+yes\s+<1m ago\s+(49m|50m)$/);
    expect(result.stdout).toContain("1 annex, 2 instances: 2 running.\n");
  });
});
