/** Saving the state as one JSON document (atomically, debounced) and loading it back. */

import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Ec2State, emptyState } from "./state.ts";

const fileName = "ec2-state.json";

/** The saved state under `stateDir`, or an empty one. */
export function loadState(stateDir: string | undefined): Ec2State {
  if (!stateDir) return emptyState();
  const path = join(stateDir, fileName);
  if (!existsSync(path)) return emptyState();
  const saved = JSON.parse(readFileSync(path, "utf8")) as Partial<Ec2State>;
  if (saved.version !== 1)
    throw new Error(`${path}: unsupported state version ${String(saved.version)}`);
  return { ...emptyState(), ...saved };
}

/** Writes the state atomically (temporary file, then rename). */
export function saveState(stateDir: string, state: Ec2State): void {
  const path = join(stateDir, fileName);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(state));
  renameSync(temporary, path);
}

/** Saves at most every `delayMs` after a change, and on `flush`. */
export class StateSaver {
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;

  constructor(
    private readonly stateDir: string | undefined,
    private readonly state: Ec2State,
    private readonly delayMs = 200,
  ) {}

  markDirty(): void {
    if (!this.stateDir) return;
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.delayMs);
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.stateDir || !this.dirty) return;
    this.dirty = false;
    saveState(this.stateDir, this.state);
  }
}
