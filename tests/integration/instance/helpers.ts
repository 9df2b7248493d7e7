/** Boots the real bootstrap script in a fresh sandbox against a fake cloud. */

import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderScript } from "../../../instance/user-data.ts";
import { AGENT_PATH, createSandbox, type Sandbox } from "../../../local/instances/sandbox.ts";
import { type FakeCloud, SERVER_ID } from "./fake-cloud.ts";

export interface Booted {
  sandbox: Sandbox;
  exitCode: number | null;
  /** Runs the installed agent once (`annex-agent heartbeat`); resolves with its exit code. */
  heartbeat(): Promise<number | null>;
  /** Every command line curl was started with (to check no secret is on one). */
  curlArgv(): string;
}

/** Fast timings: every interval and timeout of the script is an environment parameter. */
export const FAST_ENV = {
  ANNEX_BACKOFF_INITIAL_MS: "100",
  ANNEX_BACKOFF_MAX_MS: "1000",
  ANNEX_HTTP_TIMEOUT_SECONDS: "5",
};

const created: string[] = [];

/** A fresh temporary folder, removed by `removeTemporaryFolders`. */
export async function temporaryFolder(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Removes every folder `temporaryFolder` made (sandboxes hold copies of test secrets). */
export async function removeTemporaryFolders(): Promise<void> {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export async function bootInstance(
  cloud: FakeCloud,
  env: Record<string, string> = {},
  bootGraceSeconds = 60,
): Promise<Booted> {
  const dir = await temporaryFolder("annex-instance-");
  const sandbox = await createSandbox(dir, {
    imdsUrl: cloud.imdsUrl,
    powerOffUrl: cloud.powerOffUrl,
    env: { ...FAST_ENV, ...env },
  });
  const realCurl = execFileSync("sh", ["-c", "command -v curl"], { env: sandbox.env })
    .toString()
    .trim();
  const argvLog = join(dir, "curl-argv");
  await writeFile(
    join(dir, "bin", "curl"),
    `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvLog}'\nexec '${realCurl}' "$@"\n`,
    { mode: 0o755 },
  );
  const script = renderScript({
    apiUrl: cloud.apiUrl,
    stsUrl: cloud.stsUrl,
    stsRegion: "us-east-1",
    serverId: SERVER_ID,
    bootGraceSeconds,
  });
  const boot = await sandbox.boot(script, 60_000);
  const exitCode = await boot.exited;
  return {
    sandbox,
    exitCode,
    heartbeat: () => sandbox.run([join(sandbox.root, AGENT_PATH), "heartbeat"], 30_000).exited,
    curlArgv: () => execFileSync("cat", [argvLog]).toString(),
  };
}
