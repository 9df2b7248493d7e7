/** Shared pieces of request validation: field schemas, and zod issues turned into domain errors. */

import { z } from "zod";
import {
  MalformedRequestError,
  oneLine,
  ValidationError,
  type ValidationIssue,
} from "../errors.ts";

/** Annex names: the EC2 client token `${name}.${annexId}` must stay within 64 characters. */
export const ANNEX_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Longest annex name: 32 + 1 + 26 (ULID) ≤ 64. */
export const ANNEX_NAME_MAX = 32;
/** Annex ids are ULIDs. */
export const ANNEX_ID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
/** HTCondor user names as they appear in a job's `Owner` attribute. */
export const OWNER_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;
/** AMI ids: `ami-` and 8 or 17 hex digits. */
export const IMAGE_ID_PATTERN = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;
/** Instance types such as `m5.large` or `u-6tb1.metal`. */
export const INSTANCE_TYPE_PATTERN = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
/** EC2 instance ids: `i-` and 8 or 17 hex digits. */
export const INSTANCE_ID_PATTERN = /^i-([0-9a-f]{8}|[0-9a-f]{17})$/;

/** An annex name. */
export const annexName = z
  .string()
  .min(1, "must not be empty")
  .max(ANNEX_NAME_MAX, `must be at most ${ANNEX_NAME_MAX} characters`)
  .regex(
    ANNEX_NAME_PATTERN,
    "must start with a letter or digit and contain only letters, digits, '.', '_' and '-'",
  );

/** An annex name given in a path (or a direct payload's `name`): refused as field `name` when it cannot be one. */
export function parseAnnexName(value: string): string {
  const parsed = annexName.safeParse(value);
  if (!parsed.success)
    throw new ValidationError(toIssues(parsed.error).map((issue) => ({ ...issue, path: "name" })));
  return parsed.data;
}

/** Hours no shorter than the pool's shortest (`min`; 0 = none beyond "greater than 0"). */
export function atLeast(hours: z.ZodNumber, min: number): z.ZodNumber {
  return min > 0 ? hours.min(min, `must be at least ${min} hours (the pool's shortest)`) : hours;
}

/** An AMI id. */
export const imageId = z
  .string()
  .regex(IMAGE_ID_PATTERN, "must be an AMI id such as ami-0123456789abcdef0");

/** An EC2 instance type. */
export const instanceType = z
  .string()
  .max(64, "must be at most 64 characters")
  .regex(INSTANCE_TYPE_PATTERN, "must be an instance type such as m5.large");

/** True when a JSON value is an object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Renders a zod path: `count`, `owners[1]`, `tags["aws:Name"]`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(oneLine(part, 64))}]`;
  }
  return out;
}

/** How to describe an unknown field (defaults to "unknown field"). */
export type DescribeUnknown = (key: string) => string;

/**
 * One issue in the product's words. A message the schema wrote itself is kept; zod's defaults
 * ("Array must contain at most 50 element(s)") are replaced by what the field must be.
 */
function describeIssue(issue: z.ZodIssue): string {
  const zodDefault = z.defaultErrorMap(issue, { defaultError: issue.message, data: undefined });
  if (issue.message !== zodDefault.message) return issue.message;
  switch (issue.code) {
    case z.ZodIssueCode.invalid_type:
      if (issue.received === "undefined") return "is required";
      if (issue.expected === "integer") return "must be a whole number";
      if (issue.expected === "object") return "must be an object";
      if (issue.expected === "array") return "must be a list";
      return `must be a ${issue.expected}`;
    case z.ZodIssueCode.invalid_literal:
      return `must be ${JSON.stringify(issue.expected)}`;
    case z.ZodIssueCode.invalid_enum_value:
      return `must be one of ${issue.options.join(", ")}`;
    case z.ZodIssueCode.too_small:
    case z.ZodIssueCode.too_big:
      return describeSize(issue);
    case z.ZodIssueCode.invalid_string:
      return issue.validation === "regex"
        ? "is not in the expected form"
        : `must be a valid ${issue.validation}`;
    case z.ZodIssueCode.not_finite:
      return "must be a finite number";
    case z.ZodIssueCode.not_multiple_of:
      return `must be a multiple of ${issue.multipleOf}`;
    case z.ZodIssueCode.invalid_union:
      return "does not match any accepted form";
    default:
      return issue.message;
  }
}

/** A length, count or value bound: "must list at most 50 items", "must be greater than 0". */
function describeSize(issue: z.ZodTooSmallIssue | z.ZodTooBigIssue): string {
  const small = issue.code === z.ZodIssueCode.too_small;
  const bound = Number(small ? issue.minimum : issue.maximum);
  const unit = { array: "item", set: "item", string: "character" }[issue.type as string];
  if (unit === undefined) {
    if (issue.exact) return `must be ${bound}`;
    if (issue.inclusive) return `must be at ${small ? "least" : "most"} ${bound}`;
    return `must be ${small ? "greater" : "less"} than ${bound}`;
  }
  if (small && bound === 1 && !issue.exact) return "must not be empty";
  const amount = `${bound} ${unit}${bound === 1 ? "" : "s"}`;
  const verb = unit === "item" ? "list" : "be";
  if (issue.exact) return `must ${verb} exactly ${amount}`;
  return `must ${verb} at ${small ? "least" : "most"} ${amount}`;
}

/** Flattens zod issues into domain validation issues, one per unknown field, each one once. */
export function toIssues(error: z.ZodError, describeUnknown?: DescribeUnknown): ValidationIssue[] {
  const issues = error.issues.flatMap((issue) =>
    issue.code === z.ZodIssueCode.unrecognized_keys
      ? issue.keys.map((key) => ({
          path: formatPath([...issue.path, key]),
          message: describeUnknown?.(key) ?? "unknown field",
        }))
      : [{ path: formatPath(issue.path), message: describeIssue(issue) }],
  );
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\n${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Validates a request body with a schema: not a JSON object → MalformedRequestError; any
 * invalid value → ValidationError listing every issue.
 */
export function parseBody<S extends z.ZodTypeAny>(
  schema: S,
  body: unknown,
  describeUnknown?: DescribeUnknown,
): z.output<S> {
  if (!isJsonObject(body)) throw new MalformedRequestError();
  const result = schema.safeParse(body);
  if (!result.success) throw new ValidationError(toIssues(result.error, describeUnknown));
  return result.data;
}

/** Adds a custom issue at a path (for cross-field rules in superRefine). */
export function addIssue(ctx: z.RefinementCtx, path: (string | number)[], message: string): void {
  ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
}
