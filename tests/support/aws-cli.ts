/** Runs the real AWS CLI v2 (Debian's /usr/bin/aws) against the local endpoint. */

import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const home = mkdtempSync(join(tmpdir(), "annex-awscli-"));

export interface CliOptions {
  /** Replaces the static `clitest` credentials (e.g. `AWS_SESSION_TOKEN`, or IMDS settings). */
  env?: Record<string, string>;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `aws --endpoint-url <endpoint> --output json <args>`, never throwing: exit code and output. */
export async function awsCliRun(
  endpoint: string,
  args: string[],
  options: CliOptions = {},
): Promise<CliResult> {
  const credentials = options.env ?? {
    AWS_ACCESS_KEY_ID: "clitest",
    AWS_SECRET_ACCESS_KEY: "clitest",
  };
  try {
    const { stdout, stderr } = await run(
      "/usr/bin/aws",
      ["--endpoint-url", endpoint, "--region", "us-east-1", "--output", "json", ...args],
      {
        env: {
          PATH: "/usr/bin:/bin",
          HOME: home,
          AWS_CONFIG_FILE: join(home, "config"),
          AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials"),
          AWS_PAGER: "",
          AWS_MAX_ATTEMPTS: "1",
          ...credentials,
        },
        timeout: 60_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === "number" ? e.code : 1,
      stdout: e.stdout ?? "",
      stderr: e.stderr ?? "",
    };
  }
}

/** `aws --endpoint-url <endpoint> --output json <args>`; resolves to parsed JSON (or raw text when not JSON). */
export async function awsCli(
  endpoint: string,
  args: string[],
  options: CliOptions = {},
): Promise<unknown> {
  const { code, stdout, stderr } = await awsCliRun(endpoint, args, options);
  if (code !== 0) throw new Error(`aws ${args.join(" ")} exited ${code}: ${stderr.trim()}`);
  const text = stdout.trim();
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
