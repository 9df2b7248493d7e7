/**
 * `npm run demo`: plays the condor_annex tutorial with the real `annex` commands against a
 * running stack (`npm start`, or --url), with short durations, and prints the transcript:
 * setup → check-setup → a 1-instance annex → status → it joins → its lease is reset → it goes
 * idle and is shut down → another annex's lease expires → a third is turned off. About 2.5
 * minutes with the defaults (idle 0.01 h = 36 s, lease 0.02 h = 72 s) and `npm start`'s
 * simulated instances (ANNEX_TICK_SECONDS=5 makes the enforcer act within seconds).
 *
 *   npm run demo -- [--url URL] [--collector HOST[:PORT]] [--idle-hours H] [--lease-hours H]
 *                   [--timeout-minutes M]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values: flags } = parseArgs({
  options: {
    url: { type: "string" },
    collector: { type: "string", default: "cm.example.org:9618" },
    "idle-hours": { type: "string", default: "0.01" },
    "lease-hours": { type: "string", default: "0.02" },
    "timeout-minutes": { type: "string", default: "10" },
  },
});

const URL_ = flags.url ?? process.env.ANNEX_URL ?? "http://127.0.0.1:3000";
const TIMEOUT_MS = Number(flags["timeout-minutes"]) * 60_000;
const POLL_MS = 5000;
const ANNEX_JS = join(import.meta.dirname, "annex.js");
const user = userInfo()
  .username.replace(/[^A-Za-z0-9]/g, "")
  .slice(0, 12);
const FIRST = `MyFirstAnnex${user}`;
const SHORT = `ShortLease${user}`;
const LAST = `OffAnnex${user}`;

interface Result {
  code: number | null;
  stdout: string;
}

/** Runs `annex args`; shown: echo the command and let its output through, as in a terminal. */
function annex(args: string[], opts: { input?: string; shown?: boolean } = {}): Promise<Result> {
  const shown = opts.shown ?? true;
  if (shown) process.stdout.write(`\n$ annex ${args.map(quote).join(" ")}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ANNEX_JS, ...args], {
      env: { ...process.env, ANNEX_URL: URL_ },
      stdio: ["pipe", shown ? "inherit" : "pipe", shown ? "inherit" : "pipe"],
    });
    let stdout = "";
    child.stdout?.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout }));
    child.stdin?.end(opts.input ?? "");
  });
}

function quote(arg: string): string {
  return /^[\w./:=,@+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

/** Runs a step that must succeed, or ends the demo with its exit code. */
async function must(args: string[], input?: string): Promise<void> {
  const { code } = await annex(args, { input });
  if (code !== 0) {
    process.stdout.write(`\n# 'annex ${args[0]}' exited with ${code}; stopping the demo.\n`);
    process.exit(code ?? 1);
  }
}

interface AnnexView {
  state: string;
  endReason?: string | null;
  instances?: Array<{ state: string; joined?: boolean | null }> | null;
}

async function view(name: string): Promise<AnnexView | undefined> {
  const { code, stdout } = await annex(["status", name, "--json"], { shown: false });
  return code === 0 ? (JSON.parse(stdout) as { annex: AnnexView }).annex : undefined;
}

/** Polls the annex (a dot per poll, like condor_annex) until `done` says so; returns the last view. */
async function waitFor(
  name: string,
  what: string,
  done: (a: AnnexView) => boolean,
): Promise<AnnexView> {
  process.stdout.write(`\n# waiting until ${what}`);
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const annexView = await view(name);
    if (annexView && done(annexView)) {
      process.stdout.write(" done.\n");
      return annexView;
    }
    if (Date.now() > deadline) {
      process.stdout.write(` gave up after ${flags["timeout-minutes"]} minutes.\n`);
      process.exit(1);
    }
    process.stdout.write(".");
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

const instancesOf = (a: AnnexView) => a.instances ?? [];
const allJoined = (a: AnnexView) =>
  instancesOf(a).length > 0 && instancesOf(a).every((i) => i.joined);
const allTerminated = (a: AnnexView) =>
  instancesOf(a).length > 0 && instancesOf(a).every((i) => i.state === "terminated");

/** Waits for the annex to end, and stops the demo if it ended for another reason. */
async function waitForEnd(name: string, what: string, reason: string): Promise<void> {
  const ended = await waitFor(name, what, (a) => a.state === "ended" && allTerminated(a));
  if (ended.endReason !== reason) {
    process.stdout.write(
      `\n# expected ${name} to end (${reason}), but it ended (${ended.endReason}); stopping the demo.\n`,
    );
    process.exit(1);
  }
}

/** Turns off live annexes left by an interrupted earlier run, so the names are free. */
async function cleanUp(): Promise<void> {
  for (const name of [FIRST, SHORT, LAST]) {
    const left = await view(name);
    if (left && left.state !== "ended") {
      process.stdout.write(`# turning off ${name}, left live by an earlier run\n`);
      await annex(["off", name], { shown: false });
    }
  }
}

async function setUp(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), "annex-demo-"));
  try {
    const password = join(scratch, "pool-password");
    writeFileSync(password, `demo-${Date.now()}\n`, { mode: 0o600 });
    await must([
      "-setup",
      "-collector-host",
      flags.collector,
      "-allow-cidr",
      "10.0.0.0/8",
      "-pool-password-file",
      password,
      "-default-ami-id",
      "ami-a2a795b4",
    ]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  await must(["-check-setup"]);
}

/** The tutorial's annex: it joins, its lease is reset, and it shuts down once idle. */
async function firstAnnex(): Promise<void> {
  const idle = flags["idle-hours"];
  await must(
    [
      "-count",
      "1",
      "-annex-name",
      FIRST,
      "-duration",
      "0.83",
      "-idle",
      idle,
      "-aws-on-demand-ami-id",
      "ami-a2a795b4",
    ],
    "yes\n",
  );
  await must(["status", FIRST]);
  await waitFor(FIRST, `${FIRST}'s instance joins the pool`, allJoined);
  await must(["status", FIRST]);
  await must(["-annex-name", FIRST, "-duration", "2"]);
  await waitForEnd(FIRST, `the idle instance shuts down (idle ${idle} hours)`, "idle");
  await must(["status", FIRST]);
  await must(["history", FIRST]);
}

/** An annex whose lease runs out (its idle time is as long as the lease, which starts earlier). */
async function shortLease(): Promise<void> {
  const lease = flags["lease-hours"];
  await must(["-count", "2", "-annex-name", SHORT, "-duration", lease, "-idle", lease, "-yes"]);
  await waitFor(SHORT, `${SHORT}'s instances join the pool`, allJoined);
  await must(["status", SHORT]);
  await waitForEnd(SHORT, `${SHORT}'s lease (${lease} hours) expires`, "expired");
  await must(["status", SHORT]);
  await must(["history", SHORT]);
}

/** condor_off -annex: an annex turned off by hand. */
async function turnedOff(): Promise<void> {
  await must(["-count", "1", "-annex-name", LAST, "-yes"]);
  await waitFor(LAST, `${LAST}'s instance joins the pool`, allJoined);
  await must(["off", LAST]);
  await waitForEnd(LAST, `${LAST}'s instance is terminated`, "off");
  await must(["status"]);
}

async function main(): Promise<void> {
  const started = Date.now();
  process.stdout.write(
    `# cloud-annex demo against ${URL_} (the condor_annex tutorial, short durations)\n`,
  );
  await cleanUp();
  await setUp();
  await firstAnnex();
  await shortLease();
  await turnedOff();
  const seconds = Math.round((Date.now() - started) / 1000);
  process.stdout.write(`\n# demo complete in ${Math.floor(seconds / 60)}m${seconds % 60}s.\n`);
}

await main();
