/** Reads the known-nasty corpus (`../corpus/`) and writes its generated values as JSON text. */

import { readFileSync } from "node:fs";
import { FLEET_CONFIG } from "../../support/spot-fleet.ts";
import { SETUP } from "../../support/stack.ts";

export interface HttpCase {
  name: string;
  issue?: string;
  method: string;
  path: string;
  owner?: string | null;
  headers?: Record<string, string>;
  body?: unknown;
  raw?: string;
  base?: "create" | "spot" | "setup" | "extend";
  with?: Record<string, unknown>;
  status: number | "4xx";
  mentions: string;
}

export interface InvokeCase {
  name: string;
  issue?: string;
  function: string;
  payload: Record<string, unknown>;
  code: string;
  mentions: string;
}

const corpus = (file: string) =>
  JSON.parse(readFileSync(new URL(`../corpus/${file}`, import.meta.url), "utf8")) as unknown;

export const httpCases = () => corpus("http.json") as HttpCase[];
export const invokeCases = () => corpus("invoke.json") as InvokeCase[];

/** A valid body of each kind, unique per case so that no two cases share a name or token. */
export function baseBody(base: HttpCase["base"], n: number): Record<string, unknown> {
  switch (base) {
    case "create":
      return { name: `Corpus${n}`, clientToken: `corpus-${n}`, count: 1, owners: ["alice"] };
    case "spot":
      return {
        kind: "spot-fleet",
        name: `Corpus${n}`,
        clientToken: `corpus-${n}`,
        slots: 6,
        owners: ["alice"],
        spotFleetConfig: FLEET_CONFIG,
      };
    case "setup":
      return { ...SETUP };
    case "extend":
      return { durationHours: 1 };
    default:
      return {};
  }
}

/**
 * JSON text for a corpus value: `{"$deep": N}` is an array nested N deep, `{"$repeat": [s, N]}`
 * the string s N times, `{"$list": [v, N]}` a list of N copies of v — written without recursion
 * on the generated part, so that nothing on the test's side overflows.
 */
export function toJsonText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(",")}]`;
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  const record = value as Record<string, unknown>;
  if (typeof record.$deep === "number")
    return `${"[".repeat(record.$deep)}${"]".repeat(record.$deep)}`;
  if (Array.isArray(record.$repeat)) {
    const [text, times] = record.$repeat as [string, number];
    return JSON.stringify(text.repeat(times));
  }
  if (Array.isArray(record.$list)) {
    const [item, times] = record.$list as [unknown, number];
    return `[${Array.from({ length: times }, () => toJsonText(item)).join(",")}]`;
  }
  const fields = Object.entries(record).map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`);
  return `{${fields.join(",")}}`;
}

/** The body text a case sends, or undefined for none. */
export function caseBody(c: HttpCase, n: number): string | undefined {
  if (c.raw !== undefined) return c.raw;
  if (c.base !== undefined) return toJsonText({ ...baseBody(c.base, n), ...c.with });
  if (c.body !== undefined) return toJsonText(c.body);
  return undefined;
}

/** The payload a direct-invocation case sends, as an object (its generated values expanded). */
export function casePayload(c: InvokeCase): Record<string, unknown> {
  return JSON.parse(toJsonText(c.payload)) as Record<string, unknown>;
}
