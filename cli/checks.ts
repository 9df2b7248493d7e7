/**
 * How the command line's text becomes values: numbers in condor_annex's wording, files read in
 * one line on failure, and the service's own schemas run on the request before it is sent.
 */
import { ValidationError } from "../shared/domain/errors.ts";
import { annexName, toIssues } from "../shared/domain/requests/common.ts";
import { UsageError } from "./errors.ts";
import { issuesInFlags } from "./flag-issues.ts";

/** Runs one of the service's request parsers; its issues become a UsageError in flags. */
export function checked<T>(given: ReadonlySet<string>, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(issuesInFlags(error.issues, given));
    throw error;
  }
}

/** An annex name as typed (an argument or -annex-name), checked as the service checks it. */
export function checkName(name: string): string {
  const result = annexName.safeParse(name);
  if (result.success) return name;
  const reasons = toIssues(result.error).map((issue) => issue.message);
  throw new UsageError(`the annex name '${name}' is not valid: it ${reasons.join(" and ")}.`);
}

/** A whole number, in condor_annex's words; its range is the service's rule. */
export function parseCount(value: string, flag: "count" | "slots" | "max-count" | "cores"): number {
  if (!/^[+-]?\d+$/.test(value.trim())) {
    throw new UsageError(`-${flag} requires an integer argument.`);
  }
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new UsageError(`-${flag} is too large.`);
  return n;
}

/** Decimal hours, in condor_annex's words; their range is the service's rule. */
export function parseHours(
  value: string,
  flag: "duration" | "idle" | "max-duration" | "min-duration" | "min-idle",
): number {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(value.trim())) {
    throw new UsageError(`-${flag} accepts a decimal number of hours.`);
  }
  return Number(value);
}

/** A decimal number of US dollars (a leading `$` is allowed); its range is the service's rule. */
export function parseUsd(value: string, flag: "budget" | "default-budget" | "max-budget"): number {
  const text = value.trim().replace(/^\$/, "");
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text)) {
    throw new UsageError(`-${flag} accepts a decimal number of US dollars (like 2.50).`);
  }
  return Number(text);
}

/** Hours as condor_annex prints them (`%.2f`). */
export function formatHours(hours: number): string {
  return hours.toFixed(2);
}

/** Reads a file named on the command line; any failure is a one-line UsageError. */
export function readFile(
  source: { readText(path: string): string },
  path: string,
  what: string,
): string {
  try {
    return source.readText(path);
  } catch (error) {
    throw new UsageError(`cannot read ${what} '${path}' (${fileErrorReason(error)}).`);
  }
}

function fileErrorReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const reasons: Record<string, string> = {
    ENOENT: "no such file",
    EACCES: "permission denied",
    EISDIR: "it is a directory",
    ENOTDIR: "not a directory",
  };
  if (typeof code === "string") return reasons[code] ?? code;
  return error instanceof Error ? error.message : String(error);
}
