/**
 * `npm run demo`: plays the condor_annex tutorial with the real `annex` commands, with short
 * durations, and prints the transcript and its wall time: setup → check-setup → a 1-instance
 * annex → status → it joins → its lease is reset → it goes idle and is shut down → another
 * annex's lease expires → a third is turned off.
 *
 * With no URL it starts its own in-memory local stack on free ports (simulated instances, a
 * 2-second enforcer) and stops it at the end. Given one (`--url`, or ANNEX_URL) it plays against
 * that stack, and refuses to replace a pool setup it finds there unless `--replace-setup`.
 *
 *   npm run demo -- [--url URL] [--replace-setup] [--collector HOST[:PORT]] [--idle-hours H]
 *                   [--lease-hours H] [--timeout-minutes M]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values: flags } = parseArgs({
  options: {
    url: { type: "string" },
    "replace-setup": { type: "boolean", default: false },
    collector: { type: "string", default: "cm.example.org:9618" },
    "idle-hours": { type: "string", default: "0.005" },
    "lease-hours": { type: "string", default: "0.01" },
    "timeout-minutes": { type: "string", default: "5" },
  },
});

const GIVEN_URL = flags.url ?? process.env.ANNEX_URL;
const TIMEOUT_MS = Number(flags["timeout-minutes"]) * 60_000;
const POLL_MS = 2000;
const ROOT = join(import.meta.dirname, "..");
const ANNEX_JS = join(import.meta.dirname, "annex.js");
const user = userInfo()
  .username.replace(/[^A-Za-z0-9]/g, "")
  .slice(0, 12);
const FIRST = `MyFirstAnnex${user}`;
const SHORT = `ShortLease${user}`;
const LAST = `OffAnnex${user}`;

/** Ends the demo early with an exit code; the transcript already says why. */
class DemoStop extends Error {
  constructor(readonly exitCode: number) {
    super(`demo stopped (${exitCode})`);
  }
}

const say = (text: string) => void process.stdout.write(text);

/** Runs `annex args`; shown: echo the command and let its output through, as in a terminal. */
function annex(
  url: string,
  args: string[],
  opts: { input?: string; shown?: boolean } = {},
): Promise<{ code: number | null; stdout: string }> {
  const shown = opts.shown ?? true;
  if (shown) say(`\n$ annex ${args.map(quote).join(" ")}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ANNEX_JS, ...args], {
      env: { ...process.env, ANNEX_URL: url },
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

interface AnnexView {
  state: string;
  endReason?: string | null;
  instances?: Array<{ state: string; joined?: boolean | null }> | null;
}

const instancesOf = (a: AnnexView) => a.instances ?? [];
const allJoined = (a: AnnexView) =>
  instancesOf(a).length > 0 && instancesOf(a).every((i) => i.joined);
const allTerminated = (a: AnnexView) =>
  instancesOf(a).length > 0 && instancesOf(a).every((i) => i.state === "terminated");

/** The tutorial against one stack. */
class Tutorial {
  constructor(private readonly url: string) {}

  /** A step that must succeed, or the demo stops with its exit code. */
  async must(args: string[], input?: string): Promise<void> {
    const { code } = await annex(this.url, args, { input });
    if (code !== 0) {
      say(`\n# 'annex ${args[0]}' exited with ${code}; stopping the demo.\n`);
      throw new DemoStop(code ?? 1);
    }
  }

  async view(name: string): Promise<AnnexView | undefined> {
    const { code, stdout } = await annex(this.url, ["status", name, "--json"], { shown: false });
    return code === 0 ? (JSON.parse(stdout) as { annex: AnnexView }).annex : undefined;
  }

  /** Polls (a dot per poll, like condor_annex) until `done` says so; returns the last view. */
  async waitFor(name: string, what: string, done: (a: AnnexView) => boolean): Promise<AnnexView> {
    say(`\n# waiting until ${what}`);
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const annexView = await this.view(name);
      if (annexView && done(annexView)) {
        say(" done.\n");
        return annexView;
      }
      if (Date.now() > deadline) {
        say(` gave up after ${flags["timeout-minutes"]} minutes.\n`);
        throw new DemoStop(1);
      }
      say(".");
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** Waits for the annex to end, and stops the demo if it ended for another reason. */
  async waitForEnd(name: string, what: string, reason: string): Promise<void> {
    const ended = await this.waitFor(name, what, (a) => a.state === "ended" && allTerminated(a));
    if (ended.endReason !== reason) {
      say(`\n# expected ${name} to end (${reason}), but it ended (${ended.endReason}).\n`);
      throw new DemoStop(1);
    }
  }

  /** Refuses (before any change) to replace a pool setup the stack already has, unless told to. */
  async keepExistingSetup(): Promise<void> {
    const { stdout } = await annex(this.url, ["-check-setup", "--json"], { shown: false });
    const answer = JSON.parse(stdout || "{}") as {
      components?: Array<{ name: string; status: string }>;
    };
    const setUp = (answer.components ?? []).some(
      (c) => (c.name === "pool-settings" || c.name === "security-group") && c.status === "ok",
    );
    if (!setUp || flags["replace-setup"]) return;
    say(
      `# ${this.url} already has a pool setup. The demo's setup would replace its collector, allowed CIDR and pool secret, so the demo stops here and changes nothing: add --replace-setup to replace them, or run 'npm run demo' without a URL to use a stack of its own.\n`,
    );
    throw new DemoStop(1);
  }

  /** Turns off live annexes left by an interrupted earlier run, so the names are free. */
  async cleanUp(): Promise<void> {
    for (const name of [FIRST, SHORT, LAST]) {
      const left = await this.view(name);
      if (left && left.state !== "ended") {
        say(`# turning off ${name}, left live by an earlier run\n`);
        await annex(this.url, ["off", name], { shown: false });
      }
    }
  }

  async setUp(): Promise<void> {
    const scratch = mkdtempSync(join(tmpdir(), "annex-demo-"));
    try {
      const password = join(scratch, "pool-password");
      writeFileSync(password, `demo-${Date.now()}\n`, { mode: 0o600 });
      await this.must([
        "-setup",
        "-collector-host",
        flags.collector,
        "-allow-cidr",
        "10.0.0.0/8",
        "-pool-password-file",
        password,
        "-default-ami-id",
        "ami-a2a795b4",
        // The demo's short leases and idle timeouts are below the pool's default shortest.
        "-min-duration",
        "0.001",
        "-min-idle",
        "0.001",
      ]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    await this.must(["-check-setup"]);
  }

  /** The tutorial's annex: it joins, its lease is reset, and it shuts down once idle. */
  async firstAnnex(): Promise<void> {
    const idle = flags["idle-hours"];
    const create = ["-count", "1", "-annex-name", FIRST, "-duration", "0.83", "-idle", idle];
    await this.must([...create, "-aws-on-demand-ami-id", "ami-a2a795b4"], "yes\n");
    await this.must(["status", FIRST]);
    await this.waitFor(FIRST, `${FIRST}'s instance joins the pool`, allJoined);
    await this.must(["status", FIRST]);
    await this.must(["-annex-name", FIRST, "-duration", "2"]);
    await this.waitForEnd(FIRST, `the idle instance shuts down (idle ${idle} hours)`, "idle");
    await this.must(["status", FIRST]);
    await this.must(["history", FIRST]);
  }

  /** An annex whose lease runs out (its idle time is as long as the lease, which starts earlier). */
  async shortLease(): Promise<void> {
    const lease = flags["lease-hours"];
    await this.must([
      "-count",
      "2",
      "-annex-name",
      SHORT,
      "-duration",
      lease,
      "-idle",
      lease,
      "-yes",
    ]);
    await this.waitFor(SHORT, `${SHORT}'s instances join the pool`, allJoined);
    await this.must(["status", SHORT]);
    await this.waitForEnd(SHORT, `${SHORT}'s lease (${lease} hours) expires`, "expired");
    await this.must(["status", SHORT]);
    await this.must(["history", SHORT]);
  }

  /** condor_off -annex: an annex turned off by hand. */
  async turnedOff(): Promise<void> {
    await this.must(["-count", "1", "-annex-name", LAST, "-yes"]);
    await this.waitFor(LAST, `${LAST}'s instance joins the pool`, allJoined);
    await this.must(["off", LAST]);
    await this.waitForEnd(LAST, `${LAST}'s instance is terminated`, "off");
    await this.must(["status", "--all"]);
  }
}

/** The demo's own stack: in memory, free ports, simulated instances, a quick enforcer. */
async function ownStack(): Promise<{ url: string; stop(): Promise<void> }> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  process.env.POWERTOOLS_LOG_LEVEL ??= "ERROR";
  const { startLocalStack } = await import("../local/stack.ts");
  const stack = await startLocalStack({
    root: ROOT,
    awsPort: 0,
    apiPort: 0,
    inMemory: true,
    tickSeconds: 2,
    simulateInstances: { heartbeatSeconds: 2 },
  });
  return { url: stack.apiUrl, stop: () => stack.stop() };
}

async function main(): Promise<number> {
  const started = Date.now();
  const stack = GIVEN_URL === undefined ? await ownStack() : undefined;
  const url = GIVEN_URL ?? stack?.url ?? "";
  const stopStack = async () => {
    if (stack) say(`\n# stopping the demo's stack\n`);
    await stack?.stop();
  };
  process.once("SIGINT", () => void stopStack().then(() => process.exit(130)));
  say(
    stack
      ? `# cloud-annex demo on its own in-memory stack at ${url} (the condor_annex tutorial, short durations)\n`
      : `# cloud-annex demo against ${url} (the condor_annex tutorial, short durations)\n`,
  );
  const tutorial = new Tutorial(url);
  try {
    if (!stack) {
      await tutorial.keepExistingSetup();
      await tutorial.cleanUp();
    }
    await tutorial.setUp();
    await tutorial.firstAnnex();
    await tutorial.shortLease();
    await tutorial.turnedOff();
  } catch (error) {
    if (!(error instanceof DemoStop)) throw error;
    await stopStack();
    return error.exitCode;
  }
  await stopStack();
  const seconds = Math.round((Date.now() - started) / 1000);
  say(
    `\n# demo complete in ${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s.\n`,
  );
  return 0;
}

process.exit(await main());
