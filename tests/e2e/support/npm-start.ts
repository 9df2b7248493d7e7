/** `npm start` as a terminal runs it: its own process group, its output, how it ended. */
import { type ChildProcess, spawn } from "node:child_process";
import { waitUntil } from "./processes.ts";

/** The environment of a user's shell: none of this test run's npm, vitest or ANNEX_* settings. */
export function shellEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(npm_|ANNEX_|VITEST|INIT_CWD$)/i.test(key)) env[key] = value;
  }
  return env;
}

export interface Server {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `npm [args] start` from `cwd` in its own process group, as a terminal runs it. */
function npmStart(cwd: string, env: Record<string, string>, args: string[] = []): Server {
  const child = spawn("npm", [...args, "start"], { cwd, env, detached: true, stdio: "pipe" });
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

/** `npm start`, once it says it runs (or has ended). */
export async function startedServer(
  cwd: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<Server> {
  const started = npmStart(cwd, env, args);
  await waitUntil(
    "npm start to say it is running",
    () => started.output().includes("Press Ctrl-C to stop.") || started.child.exitCode !== null,
    60_000,
  );
  return started;
}
