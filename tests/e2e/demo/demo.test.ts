/**
 * `npm run demo` as users run it: on a stack of its own (it starts, plays the tutorial, stops
 * and leaves nothing running), and pointed at a running stack whose setup it must not replace.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../../local/stack.ts";
import { ec2At, poolObjects } from "../../support/sdk.ts";
import { apiClient, SETUP, startTestStack } from "../../support/stack.ts";
import { shellEnvironment } from "../support/npm-start.ts";
import { processesUnder } from "../support/processes.ts";

const ROOT = resolve(import.meta.dirname, "../../..");

/** Runs `npm run demo -- args` from the repository, without the caller's ANNEX_* settings. */
function demo(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((done, fail) => {
    const child = spawn("npm", ["run", "demo", "--", ...args], {
      cwd: ROOT,
      env: { ...shellEnvironment(), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout }));
  });
}

describe("npm run demo on its own stack", () => {
  const scratch = mkdtempSync(join(tmpdir(), "annex-demo-test-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("plays the tutorial, prints the transcript and its wall time, and leaves nothing running", async () => {
    // Short durations (idle 7 s, lease 11 s); TMPDIR shows where its sandboxes were.
    const { code, stdout } = await demo(["--idle-hours", "0.002", "--lease-hours", "0.003"], {
      TMPDIR: scratch,
    });
    expect(stdout).toMatch(
      /^# cloud-annex demo on its own in-memory stack at http:\/\/127\.0\.0\.1:\d+ /m,
    );
    expect(code).toBe(0);
    for (const line of [
      "Setup successful.",
      "Your setup looks OK.",
      "Is that OK?  (Type 'yes' or 'no'): yes",
      "Lease updated. Annex MyFirstAnnex",
      "is shutting down: terminating 1 instance.",
      "# stopping the demo's stack",
    ]) {
      expect(stdout).toContain(line);
    }
    expect(stdout).toMatch(/^MyFirstAnnex\S*\s+i-[0-9a-f]+\s+m5\.large\s+running\s+yes\s/m);
    // Ended annexes keep their final cost (COST), and have no budget (BUDGET).
    expect(stdout).toMatch(/ended \(idle\)\s+\$[\d.]+\s+-$/m);
    expect(stdout).toMatch(/ended \(expired\)\s+\$[\d.]+\s+-$/m);
    expect(stdout).toMatch(/ended \(off\)\s+\$[\d.]+\s+-$/m);
    expect(stdout).toMatch(/^# demo complete in \d+m\d\ds\.$/m);
    expect(processesUnder(scratch)).toEqual([]);
    expect(readdirSync(scratch).filter((name) => name.startsWith("annex-instances-"))).toEqual([]);
  }, 180_000);
});

describe("npm run demo against a running stack", () => {
  let stack: LocalStack;
  const mine = { ...SETUP, collectorHost: "cm.my-pool.org:9618", allowCidr: "192.0.2.0/24" };

  /** What the demo must not change: the security groups, the pool objects, the annexes. */
  const snapshot = async () => {
    const pool = await poolObjects(stack.awsEndpoint);
    const groups = await ec2At(stack.awsEndpoint).send(new DescribeSecurityGroupsCommand({}));
    const annexes = await apiClient(stack, process.env.USER ?? "root")("GET", "/annexes");
    return { pool, groups: groups.SecurityGroups, annexes: annexes.body };
  };

  beforeAll(async () => {
    stack = await startTestStack();
    expect((await apiClient(stack)("POST", "/setup", mine)).status).toBe(200);
  });
  afterAll(() => stack?.stop());

  it.each([
    ["--url", (url: string) => [["--url", url], {}] as const],
    ["ANNEX_URL", (url: string) => [[], { ANNEX_URL: url }] as const],
  ])(
    "refuses to replace its pool setup (%s), says so, and changes nothing",
    async (_, given) => {
      const before = await snapshot();
      expect(Object.keys(before.pool).length).toBeGreaterThanOrEqual(3);
      const [args, env] = given(stack.apiUrl);
      const { code, stdout } = await demo([...args], { ...env });
      expect(code).toBe(1);
      expect(stdout).toContain(`# cloud-annex demo against ${stack.apiUrl}`);
      expect(stdout).toContain(`${stack.apiUrl} already has a pool setup.`);
      expect(stdout).toContain("add --replace-setup to replace them");
      expect(stdout).not.toContain("$ annex -setup");
      expect(await snapshot()).toEqual(before);
    },
    60_000,
  );
});
