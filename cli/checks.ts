/** Checks of single values, with the service's rules and condor_annex's wording. */
import { UsageError } from "./errors.ts";

/** The service's rules (shared/domain/requests/common.ts), repeated so nothing invalid is sent. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
export const OWNER_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;
const IMAGE_ID_PATTERN = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;
const INSTANCE_TYPE_PATTERN = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
export const SECURITY_GROUP_PATTERN = /^sg-([0-9a-f]{8}|[0-9a-f]{17})$/;

/** Checks an annex name as the service does. */
export function checkName(name: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new UsageError(
      `the annex name '${name}' is not valid: it must be 1 to 32 characters, start with a letter or digit and contain only letters, digits, '.', '_' and '-'.`,
    );
  }
  return name;
}

/** A whole number > 0, in condor_annex's words. */
export function parseCount(value: string, flag: "count" | "slots" | "max-count"): number {
  if (!/^[+-]?\d+$/.test(value.trim())) {
    throw new UsageError(`-${flag} requires an integer argument.`);
  }
  const n = Number(value);
  if (n <= 0) {
    const what = flag === "slots" ? "slots" : "instances";
    throw new UsageError(`the number of requested ${what} must be greater than zero.`);
  }
  if (!Number.isSafeInteger(n)) throw new UsageError(`-${flag} is too large.`);
  return n;
}

/** Decimal hours > 0, in condor_annex's words. */
export function parseHours(value: string, flag: "duration" | "idle" | "max-duration"): number {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(value.trim())) {
    throw new UsageError(`-${flag} accepts a decimal number of hours.`);
  }
  const hours = Number(value);
  if (hours <= 0) {
    const what = flag === "idle" ? "idle time" : "duration";
    throw new UsageError(`the ${what} must be greater than zero.`);
  }
  return hours;
}

/** Hours as condor_annex prints them (`%.2f`). */
export function formatHours(hours: number): string {
  return hours.toFixed(2);
}

/** An EC2 instance type, as the service accepts it. */
export function checkInstanceType(type: string): string {
  if (!INSTANCE_TYPE_PATTERN.test(type)) {
    throw new UsageError(`'${type}' is not an EC2 instance type (like m4.large).`);
  }
  return type;
}

/** An AMI id, as the service accepts it. */
export function checkImageId(id: string): string {
  if (!IMAGE_ID_PATTERN.test(id)) {
    throw new UsageError(`'${id}' is not an AMI id (like ami-0123456789abcdef0).`);
  }
  return id;
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
