/** Runs the real AWS CLI v2 (Debian's /usr/bin/aws) against the local endpoint. */

import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const home = mkdtempSync(join(tmpdir(), "annex-awscli-"));

/** `aws --endpoint-url <endpoint> --output json <args>`; resolves to parsed JSON (or raw text when not JSON). */
export async function awsCli(endpoint: string, args: string[]): Promise<unknown> {
  const { stdout } = await run(
    "/usr/bin/aws",
    ["--endpoint-url", endpoint, "--region", "us-east-1", "--output", "json", ...args],
    {
      env: {
        PATH: "/usr/bin:/bin",
        HOME: home,
        AWS_ACCESS_KEY_ID: "clitest",
        AWS_SECRET_ACCESS_KEY: "clitest",
        AWS_CONFIG_FILE: join(home, "config"),
        AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials"),
        AWS_PAGER: "",
        AWS_MAX_ATTEMPTS: "1",
      },
      timeout: 60_000,
    },
  );
  const text = stdout.trim();
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
