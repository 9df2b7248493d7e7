/**
 * Recording stand-in for the system commands the bootstrap script runs (iptables, systemd-run,
 * systemctl, shutdown, condor_*). Run as `node stub.mjs <command> <args…>` by the per-command
 * wrappers a sandbox puts first on PATH; `ANNEX_SIM_DIR` names the sandbox. Every call is
 * appended to `calls.jsonl`; a power-off is recorded in `powered-off` and, when
 * `ANNEX_SIM_POWEROFF_URL` is set, POSTed there (the EC2 emulator's power-off control route).
 * Plain JavaScript so that it starts without a TypeScript loader.
 */
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [command = "", ...args] = process.argv.slice(2);
const dir = process.env.ANNEX_SIM_DIR ?? "";
if (dir === "") {
  process.stderr.write("stub: ANNEX_SIM_DIR is not set\n");
  process.exit(2);
}
const read = (name, fallback) => {
  try {
    return readFileSync(join(dir, name), "utf8");
  } catch {
    return fallback;
  }
};

/** The sandbox's simulated clock when it has one, else the wall clock (epoch ms). */
const now = () => Number(read("clock", "")) || Date.now();

appendFileSync(join(dir, "calls.jsonl"), `${JSON.stringify({ command, args, at: now() })}\n`);

/** `--name=value` or `--name value`. */
const option = (name) => {
  const index = args.findIndex((arg) => arg === name || arg.startsWith(`${name}=`));
  if (index < 0) return undefined;
  const arg = args[index] ?? "";
  return arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : args[index + 1];
};

const addTimer = (unit, seconds, commandLine) => {
  mkdirSync(join(dir, "timers"), { recursive: true });
  const timer = { unit, fireAt: now() + seconds * 1000, command: commandLine };
  writeFileSync(join(dir, "timers", `${unit}.json`), JSON.stringify(timer));
};

const removeTimer = (unit) => rmSync(join(dir, "timers", `${unit}.json`), { force: true });

async function powerOff(reason) {
  writeFileSync(join(dir, "powered-off"), JSON.stringify({ at: now(), reason }));
  const url = process.env.ANNEX_SIM_POWEROFF_URL;
  if (url) {
    try {
      const res = await fetch(url, { method: "POST" });
      if (!res.ok) process.stderr.write(`stub: power-off answered HTTP ${res.status}\n`);
    } catch (error) {
      process.stderr.write(`stub: power-off failed: ${error}\n`);
    }
  }
}

function iptables() {
  const flags = new Set(["-w", "-C", "-I", "-A", "-D"]);
  const rule = args.filter((arg) => !flags.has(arg)).join(" ");
  const file = `${command}.rules`;
  const rules = read(file, "").split("\n").filter(Boolean);
  if (args.includes("-C")) return rules.includes(rule) ? 0 : 1;
  if (args.includes("-I") || args.includes("-A"))
    writeFileSync(join(dir, file), `${[...rules, rule].join("\n")}\n`);
  return 0;
}

function systemdRun() {
  const unit = option("--unit") ?? `run-${now()}`;
  const seconds = Number.parseFloat(option("--on-active") ?? "0");
  const valued = new Set([
    "--unit",
    "--on-active",
    "--on-calendar",
    "--timer-property",
    "-p",
    "--property",
  ]);
  let first = 0;
  while (args[first]?.startsWith("-")) first += valued.has(args[first] ?? "") ? 2 : 1;
  addTimer(unit, seconds, args.slice(first));
  process.stderr.write(`Running timer as unit: ${unit}.timer\n`);
  return 0;
}

async function systemctl() {
  if (args[0] === "poweroff") await powerOff("systemctl poweroff");
  if (args[0] === "stop")
    for (const unit of args.slice(1)) removeTimer(unit.replace(/\.timer$/, ""));
  if (args[0] === "enable" && args.includes("condor"))
    writeFileSync(join(dir, "condor-started"), `${now()}\n`);
  return 0;
}

async function shutdown() {
  if (args.includes("-c")) {
    removeTimer("shutdown");
    return 0;
  }
  const when = args.find((arg) => !arg.startsWith("-")) ?? "now";
  const reason = args.slice(args.indexOf(when) + 1).join(" ") || "shutdown";
  if (when === "now" || when === "+0" || when === "0") {
    await powerOff(reason);
  } else if (when.startsWith("+")) {
    addTimer("shutdown", Number(when.slice(1)) * 60, [
      join(dir, "bin", "shutdown"),
      "-P",
      "now",
      reason,
    ]);
  }
  return 0;
}

/** The startd's slot states: `condor-state` holds idle, busy, down, or raw State lines. */
function condorStatus() {
  const state = read("condor-state", "idle").trim();
  if (state === "down") {
    process.stderr.write("Error: communication error: no startd\n");
    return 1;
  }
  const lines = { idle: "Unclaimed", busy: "Claimed" }[state] ?? state;
  process.stdout.write(`${lines}\n`);
  return 0;
}

const handlers = {
  iptables,
  ip6tables: iptables,
  "systemd-run": systemdRun,
  systemctl,
  shutdown,
  poweroff: () => powerOff("poweroff").then(() => 0),
  condor_status: condorStatus,
};

process.exitCode = await (handlers[command] ?? (() => 0))();
