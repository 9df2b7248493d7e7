/**
 * First contact: a new user's fresh checkout, the README's Quick start run as written — `npm
 * start` with no ANNEX_* variables (the default `.annex/`, the default ports unless taken), then
 * the tutorial with the real `npx annex` in a second "terminal" until the instance has JOINED,
 * its lease reset, off — and Ctrl-C, after which nothing it started may be left running.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../support/ports.ts";
import { type Server, shellEnvironment, startedServer } from "../support/npm-start.ts";
import { groupAlive, portFree, processesUnder, waitUntil } from "../support/processes.ts";
import { type Checkout, makeCheckout } from "./checkout.ts";
import { quickStartBlocks, quickStartLocalAwsServices } from "./readme.ts";

const DEFAULT_API_PORT = 3000;
const DEFAULT_AWS_PORT = 4566;

/** A new user's shell, with a home of its own. */
function userEnvironment(home: string): Record<string, string> {
  return {
    ...shellEnvironment(),
    HOME: home,
    USER: process.env.USER ?? "root",
    NPM_CONFIG_UPDATE_NOTIFIER: "false",
  };
}

/** The documented variables, only for a default port something else holds. */
async function portSettings(): Promise<Record<string, string>> {
  const settings: Record<string, string> = {};
  if (!(await portFree(DEFAULT_API_PORT))) settings.ANNEX_API_PORT = String(await freePort());
  if (!(await portFree(DEFAULT_AWS_PORT))) settings.ANNEX_AWS_PORT = String(await freePort());
  return settings;
}

/** Runs one README line in bash, as typed in the second terminal (answering `yes` if asked). */
function typed(line: string, root: string, env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn("bash", ["-c", line], { cwd: root, env, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end("yes\n");
  });
}

/** Whether a status table shows `yes` in its JOINED column. */
function joined(table: string): boolean {
  const [header, ...rows] = table.split("\n");
  const column = header?.indexOf("JOINED") ?? -1;
  return column >= 0 && rows.some((row) => row.slice(column).startsWith("yes"));
}

describe("first contact: the README's Quick start on a fresh checkout", () => {
  let checkout: Checkout;
  let home: string;
  let server: Server | undefined;

  beforeAll(() => {
    checkout = makeCheckout();
    home = mkdtempSync(join(tmpdir(), "first-contact-home-"));
  });
  afterAll(() => {
    // Only after a failure is anything left: the stack's group, and the sandboxes' own groups.
    if (server?.child.pid !== undefined && groupAlive(server.child.pid)) {
      process.kill(-server.child.pid, "SIGKILL");
    }
    for (const { pid } of processesUnder(checkout.root)) process.kill(pid, "SIGKILL");
    checkout?.remove();
    rmSync(home, { recursive: true, force: true });
  });

  it("shows the tutorial's commands, and npx annex -help prints no npm warning", async () => {
    const [serverBlock, tutorial] = quickStartBlocks(checkout.root);
    expect(serverBlock).toEqual(["npm ci && npm start"]);
    const steps = [
      /^npx annex -setup -collector-host \S+ -allow-cidr \S+ -pool-password-file \S+/,
      /^npx annex -check-setup$/,
      /^npx annex -count 1 -annex-name MyFirstAnnex\$USER -duration 0\.83 -idle 0\.25 -aws-on-demand-ami-id ami-a2a795b4$/,
      /^npx annex status MyFirstAnnex\$USER$/,
      /^npx annex -annex-name MyFirstAnnex\$USER -duration 2$/,
      /^npx annex off MyFirstAnnex\$USER$/,
    ];
    const annexLines = (tutorial ?? []).filter((line) => line.startsWith("npx annex"));
    expect(annexLines).toHaveLength(steps.length);
    for (const [i, line] of annexLines.entries()) expect(line).toMatch(steps[i] as RegExp);

    const help = await typed("npx annex -help", checkout.root, userEnvironment(home));
    expect(help.stderr).toBe("");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^annex: add EC2 capacity to an HTCondor pool/);
  });

  it("reaches JOINED yes, resets the lease, turns it off, and Ctrl-C leaves nothing behind", async () => {
    const [, tutorial = []] = quickStartBlocks(checkout.root);
    // `npm ci` is the linked node_modules; `npm start` runs as the README says.
    let ports = await portSettings();
    let started = await startedServer(checkout.root, { ...userEnvironment(home), ...ports });
    if (started.output().includes("a port is already in use")) {
      // Taken between the check and the start (other suites run alongside): both elsewhere.
      ports = {
        ANNEX_API_PORT: String(await freePort()),
        ANNEX_AWS_PORT: String(await freePort()),
      };
      started = await startedServer(checkout.root, { ...userEnvironment(home), ...ports });
    }
    server = started;
    const apiPort = Number(ports.ANNEX_API_PORT ?? DEFAULT_API_PORT);
    const awsPort = Number(ports.ANNEX_AWS_PORT ?? DEFAULT_AWS_PORT);
    expect(started.output()).toContain(`API         http://127.0.0.1:${apiPort}`);
    expect(started.output()).toContain(`state       ${join(checkout.root, ".annex")}`);
    const services = quickStartLocalAwsServices(checkout.root).join(", ");
    expect(started.output()).toContain(
      `local AWS   http://127.0.0.1:${awsPort}   (${services}: aws --endpoint-url`,
    );

    const shell = {
      ...userEnvironment(home),
      ...(ports.ANNEX_API_PORT ? { ANNEX_URL: `http://127.0.0.1:${apiPort}` } : {}),
    };
    const expected: Array<[RegExp, RegExp]> = [
      [/^npx annex -setup /, /^Setup successful\.$/m],
      [/^npx annex -check-setup/, /^Your setup looks OK\.$/m],
      [/^npx annex -count 1 /, /^Annex started\./m],
      [
        /-duration 2$/,
        /^Lease updated\. Annex MyFirstAnnex\S+ will now end at .* \(in 2h00m\)\.$/m,
      ],
      [/^npx annex off /, /^Annex MyFirstAnnex\S+ is shutting down: terminating 1 instance\.$/m],
    ];
    let createdAt = 0;
    let joinSeconds = Number.NaN;
    for (const line of tutorial) {
      if (/^npx annex status /.test(line)) {
        let last = "";
        await waitUntil(
          "the instance to show JOINED yes",
          async () => {
            const result = await typed(line, checkout.root, shell);
            expect(result.stderr).toBe("");
            last = result.stdout;
            return joined(last);
          },
          60_000,
        ).catch((error: Error) => {
          throw new Error(
            `${error.message}; last status:\n${last}\nnpm start said:\n${started.output()}`,
          );
        });
        joinSeconds = (Date.now() - createdAt) / 1000;
        continue;
      }
      const result = await typed(line, checkout.root, shell);
      expect(result.stderr, line).toBe("");
      expect(result.code, `${line}\n${result.stdout}`).toBe(0);
      const check = expected.find(([command]) => command.test(line));
      if (check) expect(result.stdout, line).toMatch(check[1]);
      if (/^npx annex -count 1 /.test(line)) createdAt = Date.now();
    }
    expect(joinSeconds, "seconds from create to JOINED yes").toBeLessThan(60);

    const pid = started.child.pid as number;
    process.kill(-pid, "SIGINT");
    // npm passes Ctrl-C on and then ends by it, as it does in a terminal (exit status 130).
    expect([
      { code: 0, signal: null },
      { code: null, signal: "SIGINT" },
    ]).toContainEqual(await started.exited);
    expect(started.output()).toMatch(/^Stopping\.\.\.\nStopped\.$/m);
    await waitUntil("npm start's process group to end", () => !groupAlive(pid), 10_000);
    expect(processesUnder(checkout.root)).toEqual([]);
    expect(await portFree(apiPort)).toBe(true);
    expect(await portFree(awsPort)).toBe(true);
  }, 240_000);
});
