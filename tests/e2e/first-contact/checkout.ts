/**
 * A fresh checkout of the repository as a new user has it: every tracked and untracked
 * (not ignored) file of the working tree, uncommitted changes included, copied into a new
 * folder whose path has a space — no `.annex/`, no build output — with `node_modules` linked to
 * this tree's (it stands for `npm ci`).
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

export const REPOSITORY = resolve(import.meta.dirname, "../../..");

export interface Checkout {
  root: string;
  remove(): void;
}

/** Copies the working tree (as git sees it) into `<tmp>/first contact …/cloud-annex`. */
export function makeCheckout(): Checkout {
  const parent = mkdtempSync(join(tmpdir(), "first contact "));
  const root = join(parent, "cloud-annex");
  const listed = execFileSync(
    "git",
    ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    { cwd: REPOSITORY, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  for (const file of listed.split("\0").filter(Boolean)) {
    const from = join(REPOSITORY, file);
    if (!existsSync(from)) continue; // deleted in the working tree, not yet in git
    mkdirSync(dirname(join(root, file)), { recursive: true });
    cpSync(from, join(root, file), { preserveTimestamps: true });
  }
  symlinkSync(join(REPOSITORY, "node_modules"), join(root, "node_modules"), "dir");
  return { root, remove: () => rmSync(parent, { recursive: true, force: true }) };
}
