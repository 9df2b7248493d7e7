/** The `annex` process: real streams, files, clock and user, then `run`. */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import { processIo } from "./io.ts";
import { run } from "./run.ts";

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? "local-user";
  }
}

/** HTCondor's own idea of the collector, when HTCondor is installed. */
function findCollector(): string | undefined {
  try {
    const out = execFileSync("condor_config_val", ["COLLECTOR_HOST"], {
      encoding: "utf8",
      timeout: 5000,
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return out === "" ? undefined : out;
  } catch {
    return undefined;
  }
}

/** Writes a secret to ~/.annex/NAME (mode 0600), never over an existing file. */
function saveSecret(fileName: string, text: string): string {
  const dir = join(homedir(), ".annex");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let path = join(dir, fileName);
  for (let n = 2; existsSync(path); n += 1) path = join(dir, `${n}-${fileName}`);
  writeFileSync(path, text.endsWith("\n") ? text : `${text}\n`, { mode: 0o600, flag: "wx" });
  return path;
}

// The SDK's multi-line notice about its future Node.js support is not for annex users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

process.exitCode = await run(process.argv.slice(2), {
  io: processIo(),
  env: process.env,
  home: homedir(),
  username: osUser(),
  readText: (path) => readFileSync(path, "utf8"),
  findCollector,
  now: Date.now,
  newToken: randomUUID,
  saveSecret,
});
