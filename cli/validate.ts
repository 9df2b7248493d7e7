/**
 * Turns a parsed command line into a plan: the request each command will send, checked
 * locally for what is obviously wrong (condor_annex's wording) so nothing bad is ever sent.
 */
import type { CommandName, Invocation, Options } from "./args.ts";
import {
  checkImageId,
  checkInstanceType,
  checkName,
  formatHours,
  OWNER_PATTERN,
  parseCount,
  parseHours,
  readFile,
  SECURITY_GROUP_PATTERN,
} from "./checks.ts";
import { UsageError } from "./errors.ts";
import { type SetupBody, setupBody } from "./setup-request.ts";

/** condor_annex's defaults: a 50-minute lease, 15 minutes idle (the instance type is the pool's). */
export const DEFAULT_DURATION_HOURS = 50 / 60;
export const DEFAULT_IDLE_HOURS = 0.25;

const USER_DATA_MAX_BYTES = 16 * 1024;

/** Body of POST /annexes, less the clientToken the create command adds. */
export interface CreateBody {
  name: string;
  kind: "on-demand" | "spot-fleet";
  count?: number;
  slots?: number;
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
  | { command: "status"; name?: string; classad: boolean }
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
}

/** Builds the plan for an invocation, or throws UsageError naming the first problem. */
export function planFor(invocation: Invocation & { command: CommandName }, ctx: PlanContext): Plan {
  const { command, options } = invocation;
  switch (command) {
    case "setup":
      noPositionals(invocation, 2);
      return { command, body: setupBody(options, ctx) };
    case "check-setup":
      noPositionals(invocation, 0);
      return { command };
    case "create":
      return createPlan(invocation, ctx);
    case "status": {
      const name = optionalName(invocation);
      return { command, name, classad: options.classad };
    }
    case "extend": {
      const name = requiredName(invocation);
      if (options.duration === undefined) {
        throw new UsageError("extend needs -duration HOURS (the new lease, counted from now).");
      }
      return { command, name, durationHours: parseHours(options.duration, "duration") };
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
    ...leaseHours(options),
    ...sharedCreateFields(options, ctx),
    ...(kind === "spot-fleet" ? spotFleetFields(invocation, ctx) : onDemandFields(options, ctx)),
  };
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

function annexKind({ options, given }: Invocation): CreateBody["kind"] {
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

function leaseHours(options: Options): Pick<CreateBody, "durationHours" | "idleHours"> {
  const durationHours =
    options.duration === undefined
      ? DEFAULT_DURATION_HOURS
      : parseHours(options.duration, "duration");
  const idleHours =
    options.idle === undefined ? DEFAULT_IDLE_HOURS : parseHours(options.idle, "idle");
  if (idleHours > durationHours) {
    throw new UsageError(
      `the idle time (${formatHours(idleHours)} hours) must not be longer than the duration (${formatHours(durationHours)} hours).`,
    );
  }
  return { durationHours, idleHours };
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
      throw new UsageError(`-${flag} is for on-demand annexes; set it in the fleet config file.`);
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
  if (instanceType !== undefined) fields.instanceType = checkInstanceType(instanceType);
  if (options.imageId !== undefined) fields.imageId = checkImageId(options.imageId);
  return fields;
}

function sharedCreateFields(options: Options, ctx: PlanContext): Partial<CreateBody> {
  const fields: Partial<CreateBody> = {};
  if (options.owner !== undefined && options.noOwner) {
    throw new UsageError("-owner and -no-owner contradict each other; give one.");
  }
  if (options.noOwner) fields.noOwner = true;
  else fields.owners = checkOwners(options.owner, ctx.username);
  if (options.tags.length > 0) fields.tags = checkTags(options.tags);
  if (options.securityGroupIds !== undefined) {
    fields.securityGroupIds = splitList(
      options.securityGroupIds,
      "aws-on-demand-security-group-ids",
    ).map((id) => {
      if (!SECURITY_GROUP_PATTERN.test(id)) {
        throw new UsageError(`'${id}' is not a security group id (like sg-0123456789abcdef0).`);
      }
      return id;
    });
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
  if (Buffer.byteLength(text) > USER_DATA_MAX_BYTES) {
    throw new UsageError("user data is larger than EC2's 16 KB limit.");
  }
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

function checkOwners(list: string | undefined, username: string): string[] {
  const owners = list === undefined ? [username] : splitList(list, "owner");
  for (const owner of owners) {
    if (!OWNER_PATTERN.test(owner)) {
      throw new UsageError(
        list === undefined
          ? `your user name '${owner}' is not an HTCondor user name; give -owner USER or -no-owner.`
          : `-owner: '${owner}' is not an HTCondor user name (letters, digits, '.', '_', '-').`,
      );
    }
  }
  return owners;
}

function checkTags(pairs: Array<[string, string]>): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [key, value] of pairs) {
    if (key.length === 0 || key.length > 128) {
      throw new UsageError(`tag name '${key}' must be 1 to 128 characters.`);
    }
    if (/^(aws|annex):/i.test(key)) {
      throw new UsageError(`tag name '${key}' is reserved (aws: and annex: prefixes).`);
    }
    if (value.length > 256)
      throw new UsageError(`the value of tag '${key}' is over 256 characters.`);
    if (key in tags) throw new UsageError(`tag '${key}' was given twice.`);
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
