/**
 * Turns a parsed command line into a plan: the request each command will send, checked with
 * the service's own schemas (shared/domain/requests) so nothing invalid is ever sent, and every
 * issue said with the flag that was typed.
 */
import { DEFAULT_DURATION_HOURS, DEFAULT_IDLE_HOURS } from "../shared/domain/lease.ts";
import { OWNER_PATTERN } from "../shared/domain/requests/common.ts";
import { parseCreateAnnex } from "../shared/domain/requests/create-annex.ts";
import { parseExtendAnnex } from "../shared/domain/requests/extend-annex.ts";
import type { Limits } from "../shared/domain/settings.ts";
import type { Invocation } from "./args.ts";
import { checked, checkName, parseCount, parseHours, parseUsd, readFile } from "./checks.ts";
import { UsageError } from "./errors.ts";
import { type FleetBody, fleetFields } from "./fleet-options.ts";
import { type CommandName, isFleet, type Options } from "./options.ts";
import { type SetupBody, setupBody } from "./setup-request.ts";

/** The pool's limits are the service's to apply (setup may change them); here only the shape. */
const NO_LIMITS: Limits = {
  maxCount: Number.MAX_SAFE_INTEGER,
  maxDurationHours: Number.MAX_VALUE,
  minDurationHours: 0,
  minIdleHours: 0,
};

/** Body of POST /annexes, with the fresh clientToken its retries reuse. */
export interface CreateBody {
  name: string;
  clientToken: string;
  kind: "on-demand" | "spot-fleet" | "fleet";
  count?: number;
  slots?: number;
  /** Fleet annexes: capacity in vCPUs (else `count` instances), and what to launch. */
  cores?: number;
  fleet?: FleetBody;
  instanceType?: string;
  imageId?: string;
  durationHours: number;
  idleHours: number;
  owners?: string[];
  noOwner?: boolean;
  tags?: Record<string, string>;
  userData?: string;
  defaultUserData?: string;
  securityGroupIds?: string[];
  keyName?: string;
  spotFleetConfig?: Record<string, unknown>;
  budgetUsd?: number;
}

export type Plan =
  | { command: "setup"; body: SetupBody }
  | { command: "check-setup" }
  | {
      command: "create";
      body: CreateBody;
      yes: boolean;
      specified: { duration: boolean; idle: boolean; instanceType: boolean };
    }
  | { command: "status"; name?: string; classad: boolean; all: boolean }
  | { command: "extend"; name: string; durationHours: number }
  | { command: "off"; name: string }
  | { command: "history"; name: string };

/** What validation may consult besides the command line. */
export interface PlanContext {
  readText(path: string): string;
  /** Defaults from the config file. */
  defaults: { instanceType?: string; collectorHost?: string; allowCidr?: string };
  /** The OS user: the default owner (HTCondor's job Owner) of an annex, as condor_annex did. */
  username: string;
  /** The pool's collector as HTCondor knows it (`condor_config_val COLLECTOR_HOST`), if any. */
  findCollector(): string | undefined;
  /** A fresh idempotency token for a create. */
  newToken(): string;
}

/** Builds the plan for an invocation, or throws UsageError naming the first problem. */
export function planFor(invocation: Invocation & { command: CommandName }, ctx: PlanContext): Plan {
  const { command, options } = invocation;
  switch (command) {
    case "setup":
      noPositionals(invocation, 2);
      return { command, body: setupBody(invocation, ctx) };
    case "check-setup":
      noPositionals(invocation, 0);
      return { command };
    case "create":
      return createPlan(invocation, ctx);
    case "status": {
      const name = optionalName(invocation);
      return { command, name, classad: options.classad, all: options.all };
    }
    case "extend": {
      const name = requiredName(invocation);
      if (options.duration === undefined) {
        throw new UsageError("extend needs -duration HOURS (the new lease, counted from now).");
      }
      const durationHours = parseHours(options.duration, "duration");
      checked(invocation.given, () => parseExtendAnnex({ durationHours }, NO_LIMITS));
      return { command, name, durationHours };
    }
    case "off":
    case "history":
      return { command, name: requiredName(invocation) };
  }
}

function optionalName(invocation: Invocation): string | undefined {
  noPositionals(invocation, 1);
  const [positional] = invocation.positionals;
  const flag = invocation.options.annexName;
  if (positional !== undefined && flag !== undefined && positional !== flag) {
    throw new UsageError(`two annex names given ('${positional}' and '${flag}').`);
  }
  const name = positional ?? flag;
  return name === undefined ? undefined : checkName(name);
}

function requiredName(invocation: Invocation & { command: CommandName }): string {
  const name = optionalName(invocation);
  if (name === undefined) {
    throw new UsageError(
      `you must specify the annex: 'annex ${invocation.command} NAME' or -annex-name NAME.`,
    );
  }
  return name;
}

/** Refuses positional arguments beyond the first `allowed`. */
export function noPositionals(invocation: Invocation, allowed: number): void {
  const extra = invocation.positionals[allowed];
  if (extra !== undefined) throw new UsageError(`unexpected argument (${extra}).`);
}

function createPlan(invocation: Invocation & { command: CommandName }, ctx: PlanContext): Plan {
  const { options, given } = invocation;
  const kind = annexKind(invocation);
  const name = optionalName(invocation);
  if (name === undefined) throw new UsageError("you must specify -annex-name.");
  const body: CreateBody = {
    name,
    kind,
    clientToken: ctx.newToken(),
    ...leaseHours(options),
    ...sharedCreateFields(options, ctx),
    ...kindFields(kind, invocation, ctx),
  };
  checked(given, () => parseCreateAnnex(body, NO_LIMITS));
  return {
    command: "create",
    body,
    yes: options.yes,
    specified: {
      duration: given.has("duration"),
      idle: given.has("idle"),
      instanceType: given.has("aws-on-demand-instance-type"),
    },
  };
}

function kindFields(
  kind: CreateBody["kind"],
  invocation: Invocation,
  ctx: PlanContext,
): Partial<CreateBody> {
  if (kind === "fleet") return fleetFields(invocation);
  if (kind === "spot-fleet") return spotFleetFields(invocation, ctx);
  return onDemandFields(invocation.options, ctx);
}

function annexKind(invocation: Invocation): CreateBody["kind"] {
  const { options, given } = invocation;
  if (isFleet(invocation.given)) {
    if (options.onDemand || options.spotFleet)
      throw new UsageError(
        `-${options.onDemand ? "aws-on-demand" : "aws-spot-fleet"} is not for fleet annexes (-cores, -aws-instance-types, …).`,
      );
    return "fleet";
  }
  const spot = given.has("slots") || given.has("aws-spot-fleet-config-file") || options.spotFleet;
  const onDemand = given.has("count") || options.onDemand;
  if (spot && onDemand) {
    throw new UsageError(
      given.has("aws-spot-fleet-config-file")
        ? "unwilling to ignore -aws-spot-fleet-config-file being set for an on-demand annex."
        : "-count is for on-demand annexes and -slots for Spot Fleet annexes; give one.",
    );
  }
  return spot ? "spot-fleet" : "on-demand";
}

/** The durations the question shows and the request states: typed, or the domain's defaults. */
function leaseHours(options: Options): Pick<CreateBody, "durationHours" | "idleHours"> {
  return {
    durationHours:
      options.duration === undefined
        ? DEFAULT_DURATION_HOURS
        : parseHours(options.duration, "duration"),
    idleHours: options.idle === undefined ? DEFAULT_IDLE_HOURS : parseHours(options.idle, "idle"),
  };
}

function spotFleetFields({ options, given }: Invocation, ctx: PlanContext): Partial<CreateBody> {
  if (options.slots === undefined) {
    throw new UsageError("a Spot Fleet annex needs -slots N (weighted capacity units).");
  }
  if (options.spotFleetConfigFile === undefined) {
    throw new UsageError("Spot Fleet Requests require the -aws-spot-fleet-config-file flag.");
  }
  for (const flag of ["aws-on-demand-instance-type", "aws-on-demand-ami-id"]) {
    if (given.has(flag)) {
      throw new UsageError(
        `-${flag} is not for Spot Fleet annexes; set it in the fleet config file.`,
      );
    }
  }
  return {
    slots: parseCount(options.slots, "slots"),
    spotFleetConfig: readFleetConfig(options.spotFleetConfigFile, ctx),
  };
}

function onDemandFields(options: Options, ctx: PlanContext): Partial<CreateBody> {
  if (options.count === undefined) throw new UsageError("you must specify -count N.");
  const fields: Partial<CreateBody> = { count: parseCount(options.count, "count") };
  // Without one here or in the config file, the pool's default type applies (setup's).
  const instanceType = options.instanceType ?? ctx.defaults.instanceType;
  if (instanceType !== undefined) fields.instanceType = instanceType;
  if (options.imageId !== undefined) fields.imageId = options.imageId;
  return fields;
}

function sharedCreateFields(options: Options, ctx: PlanContext): Partial<CreateBody> {
  const fields: Partial<CreateBody> = {};
  if (options.noOwner) fields.noOwner = true;
  if (options.owner !== undefined) fields.owners = splitList(options.owner, "owner");
  else if (!options.noOwner) fields.owners = [defaultOwner(ctx.username)];
  if (options.tags.length > 0) fields.tags = tagRecord(options.tags);
  if (options.budget !== undefined) fields.budgetUsd = parseUsd(options.budget, "budget");
  if (options.securityGroupIds !== undefined) {
    fields.securityGroupIds = splitList(
      options.securityGroupIds,
      "aws-on-demand-security-group-ids",
    );
  }
  if (options.keyName !== undefined) fields.keyName = options.keyName;
  Object.assign(fields, userDataFields(options, ctx));
  return fields;
}

function userDataFields(options: Options, ctx: PlanContext): Partial<CreateBody> {
  const sources = [
    options.userData,
    options.userDataFile,
    options.defaultUserData,
    options.defaultUserDataFile,
  ].filter((s) => s !== undefined);
  if (sources.length === 0) return {};
  if (sources.length > 1) {
    throw new UsageError("you may specify no more than one of -aws-[default-]user-data[-file].");
  }
  const file = options.userDataFile ?? options.defaultUserDataFile;
  const text =
    file !== undefined
      ? readFile(ctx, file, "user data file")
      : ((options.userData ?? options.defaultUserData) as string);
  const isDefault =
    options.defaultUserData !== undefined || options.defaultUserDataFile !== undefined;
  return isDefault ? { defaultUserData: text } : { userData: text };
}

function splitList(value: string, flag: string): string[] {
  const items = value
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw new UsageError(`-${flag} needs at least one value.`);
  return items;
}

/** condor_annex's default owner: the caller, as HTCondor will see them in a job's Owner. */
function defaultOwner(username: string): string {
  if (!OWNER_PATTERN.test(username)) {
    throw new UsageError(
      `your user name '${username}' is not an HTCondor user name; give -owner USER or -no-owner.`,
    );
  }
  return username;
}

/** The -tag pairs as the request's record; the service checks names and values. */
function tagRecord(pairs: Array<[string, string]>): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [key, value] of pairs) {
    if (Object.hasOwn(tags, key)) throw new UsageError(`-tag '${key}' was given twice.`);
    tags[key] = value;
  }
  return tags;
}

function readFleetConfig(path: string, ctx: PlanContext): Record<string, unknown> {
  const text = readFile(ctx, path, "-aws-spot-fleet-config-file");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`-aws-spot-fleet-config-file '${path}' is not valid JSON (${reason}).`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(
      `-aws-spot-fleet-config-file '${path}' must hold a JSON object (the console's "JSON config").`,
    );
  }
  return parsed as Record<string, unknown>;
}
