/** What every command receives: the API, the terminal, the clock. */
import type { ApiClient } from "../http.ts";
import type { Io } from "../io.ts";

export interface CommandContext {
  api: ApiClient;
  io: Io;
  now: () => number;
  /** Print the API's JSON instead of the human text. */
  json: boolean;
  /** Writes a secret file (0600) under the user's annex directory; returns its path. */
  saveSecret: (fileName: string, text: string) => string;
  /** Milliseconds between progress dots. */
  dotIntervalMs?: number;
}

/** Writes lines to stdout. */
export function printLines(ctx: CommandContext, lines: string[]): void {
  if (lines.length > 0) ctx.io.out(`${lines.join("\n")}\n`);
}

/** Writes an API answer as indented JSON. */
export function printJson(ctx: CommandContext, value: unknown): void {
  ctx.io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** The API path of one annex. */
export function annexPath(name: string): string {
  return `/annexes/${encodeURIComponent(name)}`;
}
