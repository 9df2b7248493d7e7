/**
 * A per-instance sandbox: a folder that stands in for an instance's root file system, with
 * recording stubs for the system commands first on PATH, in which the real bootstrap script
 * runs. Shared by the instance simulator and the tests.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const STUB = fileURLToPath(new URL("./stub.mjs", import.meta.url));

/** Commands replaced by recording stubs: anything that touches the host or HTCondor. */
export const STUBBED_COMMANDS = [
  "iptables",
  "ip6tables",
  "systemd-run",
  "systemctl",
  "shutdown",
  "poweroff",
  "halt",
  "reboot",
  "condor_status",
  "condor_who",
  "condor_drain",
  "condor_off",
  "condor_on",
] as const;

/** Where the bootstrap script installs its heartbeat agent, relative to the root. */
export const AGENT_PATH = "usr/local/libexec/cloud-annex/annex-agent";

/** What the condor stubs report: all slots unclaimed, one claimed, or the startd unreachable. */
export type CondorState = "idle" | "busy" | "down";

/** One recorded call of a stubbed command (`calls.jsonl`). */
export interface StubCall {
  command: string;
  args: string[];
  at: number;
}

/** A timer armed with `systemd-run --on-active` or `shutdown +M` (`timers/<unit>.json`). */
export interface SandboxTimer {
  unit: string;
  /** Epoch milliseconds. */
  fireAt: number;
  command: string[];
}

/** How a sandbox reaches the (emulated) world around the instance. */
export interface SandboxOptions {
  /** The instance metadata service base URL (ANNEX_IMDS_URL). */
  imdsUrl: string;
  /** Where the power-off stubs POST (the emulator's power-off control route); none to only record. */
  powerOffUrl?: string;
  /** Further environment for the script: ANNEX_API_URL, ANNEX_BACKOFF_INITIAL_MS, … */
  env?: Record<string, string>;
  condorState?: CondorState;
  /** Run on a simulated clock starting here (epoch ms): `date` and the stubs read `clock`. */
  clockMs?: number;
}

/** A process started in a sandbox (its own process group, killed as a whole). */
export interface SandboxProcess {
  readonly exited: Promise<number | null>;
  kill(): void;
}

/** A sandbox folder: `root/` (ANNEX_ROOT), `bin/` (stubs), `calls.jsonl`, `condor-state`, … */
export interface Sandbox {
  readonly dir: string;
  /** ANNEX_ROOT: the instance's file system. */
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  /** Runs a command in the sandbox; output goes to `console.log` (cloud-init's output log). */
  run(argv: string[], timeoutMs: number): SandboxProcess;
  /** Runs the user-data script as cloud-init would. */
  boot(script: string, timeoutMs: number): Promise<SandboxProcess>;
  calls(command?: string): Promise<StubCall[]>;
  timers(): Promise<SandboxTimer[]>;
  setCondorState(state: CondorState): Promise<void>;
  /** Moves the simulated clock (only for a sandbox created with `clockMs`). */
  setClock(ms: number): Promise<void>;
  poweredOff(): Promise<{ at: number; reason: string } | undefined>;
  console(): Promise<string>;
}

/**
 * Creates (or reuses) a sandbox in `folder` with its stubs and state files. The folder is made
 * absolute first: the sandbox's processes run from inside `root/`, so every path they are handed
 * must not depend on the caller's working directory.
 */
export async function createSandbox(folder: string, options: SandboxOptions): Promise<Sandbox> {
  const dir = resolve(folder);
  const root = join(dir, "root");
  const bin = join(dir, "bin");
  await mkdir(root, { recursive: true });
  await mkdir(bin, { recursive: true });
  await mkdir(join(dir, "timers"), { recursive: true });
  for (const command of STUBBED_COMMANDS) {
    const wrapper = `#!/bin/sh\nexec ${quote(process.execPath)} ${quote(STUB)} ${command} "$@"\n`;
    await writeFile(join(bin, command), wrapper);
    await chmod(join(bin, command), 0o755);
  }
  await writeFile(join(dir, "condor-state"), `${options.condorState ?? "idle"}\n`);
  if (options.clockMs !== undefined) {
    await writeFile(join(dir, "clock"), String(options.clockMs));
    await writeFile(join(bin, "date"), dateOnClock(join(dir, "clock")), { mode: 0o755 });
  }
  const env: NodeJS.ProcessEnv = {
    PATH: [bin, ...hostPath()].join(delimiter),
    HOME: root,
    LANG: "C.UTF-8",
    ANNEX_ROOT: root,
    ANNEX_IMDS_URL: options.imdsUrl,
    ANNEX_SIM_DIR: dir,
    ...(options.powerOffUrl ? { ANNEX_SIM_POWEROFF_URL: options.powerOffUrl } : {}),
    ...options.env,
  };
  const read = (name: string) => readFile(join(dir, name), "utf8").catch(() => "");
  const sandbox: Sandbox = {
    dir,
    root,
    env,
    run: (argv, timeoutMs) => runLogged(argv, env, join(dir, "console.log"), timeoutMs),
    async boot(script, timeoutMs) {
      const path = join(dir, "user-data.sh");
      await writeFile(path, script, { mode: 0o700 });
      return sandbox.run(["bash", path], timeoutMs);
    },
    async calls(command) {
      const lines = (await read("calls.jsonl")).split("\n").filter(Boolean);
      const calls = lines.map((line) => JSON.parse(line) as StubCall);
      return command === undefined ? calls : calls.filter((call) => call.command === command);
    },
    async timers() {
      const files = await readdir(join(dir, "timers")).catch(() => [] as string[]);
      const timers = await Promise.all(files.map((f) => read(join("timers", f))));
      return timers.filter(Boolean).map((text) => JSON.parse(text) as SandboxTimer);
    },
    setCondorState: (state) => writeFile(join(dir, "condor-state"), `${state}\n`),
    setClock: (ms) => writeFile(join(dir, "clock"), String(Math.floor(ms))),
    async poweredOff() {
      const text = await read("powered-off");
      return text === "" ? undefined : (JSON.parse(text) as { at: number; reason: string });
    },
    console: () => read("console.log"),
  };
  return sandbox;
}

/** Removes a sandbox's timer file; the timer's command runs only if it is one of the stubs. */
export async function takeTimer(
  sandbox: Sandbox,
  timer: SandboxTimer,
): Promise<string[] | undefined> {
  await rm(join(sandbox.dir, "timers", `${timer.unit}.json`), { force: true });
  const executable = timer.command[0];
  return executable !== undefined && dirname(executable) === join(sandbox.dir, "bin")
    ? timer.command
    : undefined;
}

function runLogged(
  argv: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
  timeoutMs: number,
): SandboxProcess {
  const [file = "", ...args] = argv;
  const log = openSync(logFile, "a", 0o600);
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      env,
      cwd: env.ANNEX_ROOT,
      detached: true,
      stdio: ["ignore", log, log],
    });
  } finally {
    closeSync(log);
  }
  const kill = () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
  const timer = setTimeout(kill, timeoutMs);
  const exited = new Promise<number | null>((resolve) => {
    child.once("error", () => resolve(null));
    child.once("exit", (code) => resolve(code));
  }).finally(() => clearTimeout(timer));
  return { exited, kill };
}

/** A `date` that tells the simulated time unless asked about another (`-d`). */
function dateOnClock(clockFile: string): string {
  const real = hostPath()
    .map((folder) => join(folder, "date"))
    .find((path) => existsSync(path));
  if (real === undefined) throw new Error("no date command on PATH");
  return [
    "#!/bin/sh",
    `case " $* " in *" -d"* | *" --date"*) exec ${quote(real)} "$@" ;; esac`,
    `ms=$(cat ${quote(clockFile)})`,
    `exec ${quote(real)} -d "@$((ms / 1000)).$(printf '%03d' $((ms % 1000)))" "$@"`,
    "",
  ].join("\n");
}

/** The host PATH without sbin folders, so no unstubbed system command can be reached. */
function hostPath(): string[] {
  const path = (process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(delimiter);
  return path.filter((entry) => entry !== "" && !/sbin\/?$/.test(entry));
}

function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
