/**
 * `npm start`: the service on the local AWS. Ports, tick and data folder come from
 * ANNEX_API_PORT, ANNEX_AWS_PORT, ANNEX_TICK_SECONDS and ANNEX_DATA_DIR; `--in-memory`
 * (or ANNEX_IN_MEMORY=1) keeps nothing between runs.
 */

import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalStack } from "./stack.ts";

/** The repository (serverless.yml, the default `.annex/`), wherever `npm start` was typed. */
const root = fileURLToPath(new URL("..", import.meta.url));

// Lambda runs nodejs22.x; the SDK's notice that Node 20 support ends in 2027 is noise locally.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const numberFromEnv = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`npm start: ${name} must be a non-negative integer, not '${raw}'\n`);
    process.exit(2);
  }
  return value;
};

const inMemory = process.argv.includes("--in-memory") || process.env.ANNEX_IN_MEMORY === "1";
// Resolved once, here: a relative ANNEX_DATA_DIR is taken from the folder npm was run in.
const dataDir = process.env.ANNEX_DATA_DIR
  ? resolve(process.env.INIT_CWD ?? process.cwd(), process.env.ANNEX_DATA_DIR)
  : resolve(root, ".annex");
const tickSeconds = numberFromEnv("ANNEX_TICK_SECONDS", 10);

try {
  const stack = await startLocalStack({
    apiPort: numberFromEnv("ANNEX_API_PORT", 3000),
    awsPort: numberFromEnv("ANNEX_AWS_PORT", 4566),
    tickSeconds,
    dataDir,
    root,
    inMemory,
    simulateInstances: { heartbeatSeconds: numberFromEnv("ANNEX_HEARTBEAT_SECONDS", 5) },
  });
  process.stdout.write(
    [
      "cloud-annex is running locally.",
      `  API         ${stack.apiUrl}   (try: curl ${stack.apiUrl}/health)`,
      `  local AWS   ${stack.awsEndpoint}   (${stack.aws.services.join(", ")}: aws --endpoint-url ${stack.awsEndpoint} dynamodb list-tables)`,
      `  enforcer    every ${tickSeconds} s${tickSeconds === 0 ? " (off)" : ""}`,
      `  state       ${inMemory ? "in memory (nothing kept)" : dataDir}`,
      `  admins      ${stack.environment.ANNEX_ADMINS || "anyone (ANNEX_ADMINS is empty)"}   (who may run annex setup)`,
      "Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write("\nStopping...\n");
    await stack.stop();
    process.stdout.write("Stopped.\n");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
} catch (error) {
  const code = (error as { code?: string }).code;
  const message =
    code === "EADDRINUSE"
      ? `a port is already in use (${(error as Error).message}); set ANNEX_API_PORT / ANNEX_AWS_PORT`
      : (error as Error).message;
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(1);
}
