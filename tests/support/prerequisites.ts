/**
 * Run first by `npm test`: the suite needs two Debian packages — `awscli` (the real AWS CLI v2
 * at /usr/bin/aws, an independent client of the local AWS, whose botocore also checks the CLI's
 * signatures) and `shellcheck`. Installs them with apt-get where it can (root on Debian), or
 * stops at once with one line naming what to install.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { pathToFileURL } from "node:url";

/** What the suite runs, and the Debian package that provides it. */
export const PREREQUISITES = [
  { package: "awscli", path: "/usr/bin/aws" },
  { package: "shellcheck", command: "shellcheck" },
] as const;

/** Where to look: the PATH, a root folder (for tests), and whether a file is executable. */
export interface Probe {
  path: string;
  root: string;
  isExecutable(file: string): boolean;
}

/** What the host allows: running apt-get as root on Debian. */
export interface Host {
  isRoot: boolean;
  hasApt: boolean;
}

export type Decision =
  | { kind: "ready" }
  | { kind: "install"; packages: string[] }
  | { kind: "stop"; line: string };

/** Whether `command` is an executable in one of the probe's PATH folders. */
function onPath(probe: Probe, command: string): boolean {
  return probe.path
    .split(delimiter)
    .filter(Boolean)
    .some((folder) => probe.isExecutable(join(probe.root, folder, command)));
}

/** The packages whose program the probe cannot find. */
export function missingPackages(probe: Probe): string[] {
  return PREREQUISITES.filter((need) =>
    "path" in need
      ? !probe.isExecutable(join(probe.root, need.path))
      : !onPath(probe, need.command),
  ).map((need) => need.package);
}

/** Ready, install with apt-get, or stop with one line saying what to install. */
export function decide(missing: string[], host: Host): Decision {
  if (missing.length === 0) return { kind: "ready" };
  if (host.isRoot && host.hasApt) return { kind: "install", packages: missing };
  return { kind: "stop", line: stopLine(missing) };
}

function stopLine(missing: string[]): string {
  const names = missing.join(" ");
  return `npm test needs the Debian package${missing.length > 1 ? "s" : ""} ${names}: install ${missing.length > 1 ? "them" : "it"} (sudo apt-get install -y ${names}), then run npm test again.`;
}

/** The real host: this PATH, `/`, root or not, apt-get on the PATH (Debian and its kin). */
function realHost(): Probe & Host {
  const probe: Probe = {
    path: process.env.PATH ?? "/usr/bin:/bin",
    root: "/",
    isExecutable(file) {
      try {
        accessSync(file, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
  };
  return { ...probe, isRoot: process.getuid?.() === 0, hasApt: onPath(probe, "apt-get") };
}

function aptGet(args: string[]): boolean {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  return spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "inherit"], env }).status === 0;
}

/** Checks, installs if it can, and exits non-zero with one line when the suite cannot run. */
function main(): void {
  const host = realHost();
  const decision = decide(missingPackages(host), host);
  if (decision.kind === "ready") return;
  if (decision.kind === "install") {
    process.stdout.write(`npm test: installing ${decision.packages.join(" ")} with apt-get\n`);
    const installed =
      aptGet(["update", "-qq"]) &&
      aptGet(["install", "-y", "-qq", "--no-install-recommends", ...decision.packages]);
    const still = missingPackages(host);
    if (installed && still.length === 0) return;
    process.stderr.write(`${stopLine(still.length > 0 ? still : decision.packages)}\n`);
    process.exit(1);
  }
  process.stderr.write(`${decision.line}\n`);
  process.exit(1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main();
