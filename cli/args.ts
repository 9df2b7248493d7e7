/**
 * The command-line grammar: subcommands (`annex create …`) and condor_annex's spellings
 * (`annex -count 1 -annex-name X …`), single- or double-dash long options, `--opt=value`.
 * Parsing only checks the shape of the command line; values are checked in validate.ts.
 */
import { UsageError } from "./errors.ts";

export const COMMANDS = [
  "setup",
  "check-setup",
  "create",
  "status",
  "extend",
  "off",
  "history",
] as const;
export type CommandName = (typeof COMMANDS)[number];

type FlagKey =
  | "json"
  | "yes"
  | "classad"
  | "noOwner"
  | "onDemand"
  | "spotFleet"
  | "createKeyPair"
  | "help";
type ValueKey =
  | "url"
  | "region"
  | "accessKeyFile"
  | "secretKeyFile"
  | "annexName"
  | "count"
  | "slots"
  | "duration"
  | "idle"
  | "instanceType"
  | "imageId"
  | "securityGroupIds"
  | "keyName"
  | "userData"
  | "userDataFile"
  | "defaultUserData"
  | "defaultUserDataFile"
  | "spotFleetConfigFile"
  | "owner"
  | "collectorHost"
  | "allowCidr"
  | "vpcId"
  | "sshCidr"
  | "poolPasswordFile"
  | "poolTokenFile"
  | "defaultInstanceType"
  | "defaultImageId"
  | "maxCount"
  | "maxDuration";

/** Option values as typed; flags are booleans, `-tag` collects pairs. */
export type Options = Partial<Record<ValueKey, string>> &
  Record<FlagKey, boolean> & { tags: Array<[string, string]> };

type Scope = readonly CommandName[] | "all";
type OptionSpec =
  | { names: string[]; kind: "flag"; key: FlagKey; scope: Scope }
  | { names: string[]; kind: "value"; key: ValueKey; scope: Scope; metavar: string }
  | { names: string[]; kind: "tag"; scope: Scope }
  | { names: string[]; kind: "command"; command: CommandName };

const CREATE = ["create"] as const;
const SETUP = ["setup"] as const;
const NAMED = ["create", "status", "extend", "off", "history"] as const;

/** Every option `annex` knows; the first name is the one shown in help and errors. */
export const OPTION_SPECS: readonly OptionSpec[] = [
  { names: ["setup"], kind: "command", command: "setup" },
  { names: ["check-setup"], kind: "command", command: "check-setup" },
  { names: ["status"], kind: "command", command: "status" },
  { names: ["help", "h"], kind: "flag", key: "help", scope: "all" },
  { names: ["url"], kind: "value", key: "url", scope: "all", metavar: "URL" },
  {
    names: ["aws-region", "region"],
    kind: "value",
    key: "region",
    scope: "all",
    metavar: "REGION",
  },
  {
    names: ["aws-access-key-file", "aws-public-key-file"],
    kind: "value",
    key: "accessKeyFile",
    scope: "all",
    metavar: "FILE",
  },
  {
    names: ["aws-secret-key-file", "aws-private-key-file"],
    kind: "value",
    key: "secretKeyFile",
    scope: "all",
    metavar: "FILE",
  },
  { names: ["json"], kind: "flag", key: "json", scope: "all" },
  {
    names: ["annex-name", "annex"],
    kind: "value",
    key: "annexName",
    scope: NAMED,
    metavar: "NAME",
  },
  { names: ["count"], kind: "value", key: "count", scope: CREATE, metavar: "N" },
  { names: ["slots"], kind: "value", key: "slots", scope: CREATE, metavar: "N" },
  {
    names: ["duration"],
    kind: "value",
    key: "duration",
    scope: ["create", "extend"],
    metavar: "HOURS",
  },
  { names: ["idle"], kind: "value", key: "idle", scope: CREATE, metavar: "HOURS" },
  { names: ["aws-on-demand"], kind: "flag", key: "onDemand", scope: CREATE },
  { names: ["aws-spot-fleet"], kind: "flag", key: "spotFleet", scope: CREATE },
  {
    names: ["aws-on-demand-instance-type"],
    kind: "value",
    key: "instanceType",
    scope: CREATE,
    metavar: "TYPE",
  },
  {
    names: ["aws-on-demand-ami-id"],
    kind: "value",
    key: "imageId",
    scope: CREATE,
    metavar: "AMI",
  },
  {
    names: ["aws-on-demand-security-group-ids"],
    kind: "value",
    key: "securityGroupIds",
    scope: CREATE,
    metavar: "SG[,SG…]",
  },
  {
    names: ["aws-on-demand-key-name"],
    kind: "value",
    key: "keyName",
    scope: CREATE,
    metavar: "KEY",
  },
  { names: ["aws-user-data"], kind: "value", key: "userData", scope: CREATE, metavar: "DATA" },
  {
    names: ["aws-user-data-file"],
    kind: "value",
    key: "userDataFile",
    scope: CREATE,
    metavar: "FILE",
  },
  {
    names: ["aws-default-user-data"],
    kind: "value",
    key: "defaultUserData",
    scope: CREATE,
    metavar: "DATA",
  },
  {
    names: ["aws-default-user-data-file"],
    kind: "value",
    key: "defaultUserDataFile",
    scope: CREATE,
    metavar: "FILE",
  },
  {
    names: ["aws-spot-fleet-config-file"],
    kind: "value",
    key: "spotFleetConfigFile",
    scope: CREATE,
    metavar: "FILE",
  },
  { names: ["tag"], kind: "tag", scope: CREATE },
  { names: ["owner"], kind: "value", key: "owner", scope: CREATE, metavar: "USER[,USER…]" },
  { names: ["no-owner"], kind: "flag", key: "noOwner", scope: CREATE },
  { names: ["yes"], kind: "flag", key: "yes", scope: CREATE },
  { names: ["classad", "classads"], kind: "flag", key: "classad", scope: ["status"] },
  {
    names: ["collector-host"],
    kind: "value",
    key: "collectorHost",
    scope: SETUP,
    metavar: "HOST[:PORT]",
  },
  { names: ["allow-cidr"], kind: "value", key: "allowCidr", scope: SETUP, metavar: "CIDR" },
  { names: ["vpc-id"], kind: "value", key: "vpcId", scope: SETUP, metavar: "VPC" },
  { names: ["ssh-cidr"], kind: "value", key: "sshCidr", scope: SETUP, metavar: "CIDR" },
  { names: ["create-key-pair"], kind: "flag", key: "createKeyPair", scope: SETUP },
  {
    names: ["pool-password-file"],
    kind: "value",
    key: "poolPasswordFile",
    scope: SETUP,
    metavar: "FILE",
  },
  {
    names: ["pool-token-file"],
    kind: "value",
    key: "poolTokenFile",
    scope: SETUP,
    metavar: "FILE",
  },
  {
    names: ["default-instance-type"],
    kind: "value",
    key: "defaultInstanceType",
    scope: SETUP,
    metavar: "TYPE",
  },
  {
    names: ["default-ami-id", "default-image-id"],
    kind: "value",
    key: "defaultImageId",
    scope: SETUP,
    metavar: "AMI",
  },
  { names: ["max-count"], kind: "value", key: "maxCount", scope: SETUP, metavar: "N" },
  { names: ["max-duration"], kind: "value", key: "maxDuration", scope: SETUP, metavar: "HOURS" },
];

/** condor_annex options that make no sense for a service that builds the instance config itself. */
const UNSUPPORTED = new Set([
  "config-dir",
  "aws-ec2-url",
  "aws-events-url",
  "aws-lambda-url",
  "aws-s3-url",
  "aws-s3-config-path",
  "aws-spot-fleet-lease-function-arn",
  "aws-on-demand-lease-function-arn",
  "aws-on-demand-instance-profile-arn",
]);

/** A parsed command line. `given` holds the canonical names of the options that were typed. */
export interface Invocation {
  command: CommandName | "help";
  /** For `help`: which command's help, and whether it was asked for (else: bare `annex`). */
  helpFor?: CommandName;
  helpAsked?: boolean;
  positionals: string[];
  options: Options;
  given: Set<string>;
}

const BY_NAME = new Map(OPTION_SPECS.flatMap((spec) => spec.names.map((n) => [n, spec] as const)));

function optionName(token: string): { name: string; inline?: string } | undefined {
  const match = /^--?([A-Za-z?][\w?-]*)(?:=([\s\S]*))?$/.exec(token);
  if (!match?.[1]) return undefined;
  return { name: match[1], inline: match[2] };
}

/** True for a token that is one of our options (so it cannot be taken as a value). */
function isKnownOption(token: string | undefined): boolean {
  const parsed = token === undefined ? undefined : optionName(token);
  return parsed !== undefined && (BY_NAME.has(parsed.name) || parsed.name === "?");
}

function emptyOptions(): Options {
  return {
    json: false,
    yes: false,
    classad: false,
    noOwner: false,
    onDemand: false,
    spotFleet: false,
    createKeyPair: false,
    help: false,
    tags: [],
  };
}

/** Parses argv (without node and script) into an Invocation; throws UsageError with one line. */
export function parseArgs(argv: readonly string[]): Invocation {
  const options = emptyOptions();
  const given = new Set<string>();
  const positionals: string[] = [];
  let command: CommandName | undefined;
  let i = 0;

  const takeValue = (token: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    const next = argv[i + 1];
    if (next === undefined || isKnownOption(next)) {
      throw new UsageError(`${token} requires an argument.`);
    }
    i += 1;
    return next;
  };

  for (; i < argv.length; i += 1) {
    const token = argv[i] as string;
    if (token === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    const parsed = token.length > 1 && token.startsWith("-") ? optionName(token) : undefined;
    if (!parsed) {
      if (token.startsWith("-") && token.length > 1) {
        throw new UsageError(`unrecognized option (${token}); try 'annex --help'.`);
      }
      if (command === undefined && positionals.length === 0 && isCommand(token)) {
        command = token;
      } else if (command === undefined && positionals.length === 0 && token === "help") {
        options.help = true;
        given.add("help");
      } else {
        positionals.push(token);
      }
      continue;
    }
    const display = token.split("=")[0] as string;
    const spec = parsed.name === "?" ? BY_NAME.get("help") : BY_NAME.get(parsed.name);
    if (!spec) {
      if (UNSUPPORTED.has(parsed.name)) {
        throw new UsageError(
          `${display} is a condor_annex option that cloud-annex does not need (the service builds the instances' configuration).`,
        );
      }
      throw new UsageError(`unrecognized option (${display}); try 'annex --help'.`);
    }
    const canonical = spec.names[0] as string;
    if (spec.kind === "command") {
      if (parsed.inline !== undefined) throw new UsageError(`${display} takes no value.`);
      if (command !== undefined && command !== spec.command) {
        throw new UsageError(`${display} conflicts with '${command}'; give one command.`);
      }
      command = spec.command;
      continue;
    }
    if (spec.kind === "flag") {
      if (parsed.inline !== undefined) throw new UsageError(`${display} takes no value.`);
      options[spec.key] = true;
    } else if (spec.kind === "tag") {
      if (parsed.inline !== undefined) throw new UsageError(`${display} takes two arguments.`);
      const name = argv[i + 1];
      const value = argv[i + 2];
      if (
        name === undefined ||
        value === undefined ||
        isKnownOption(name) ||
        isKnownOption(value)
      ) {
        throw new UsageError(`${display} requires two arguments (a name and a value).`);
      }
      options.tags.push([name, value]);
      i += 2;
    } else {
      const value = takeValue(display, parsed.inline);
      if (options[spec.key] !== undefined && options[spec.key] !== value) {
        throw new UsageError(`${display} was given more than once.`);
      }
      options[spec.key] = value;
    }
    given.add(canonical);
  }

  const resolved = command ?? inferCommand(argv, options, given);
  if (options.help || resolved === "help") {
    return {
      command: "help",
      helpFor: resolved === "help" ? firstCommand(positionals) : resolved,
      helpAsked: options.help,
      positionals,
      options,
      given,
    };
  }
  checkScope(resolved, given);
  return { command: resolved, positionals, options, given };
}

function isCommand(token: string): token is CommandName {
  return (COMMANDS as readonly string[]).includes(token);
}

function firstCommand(positionals: string[]): CommandName | undefined {
  const first = positionals[0];
  return first !== undefined && isCommand(first) ? first : undefined;
}

/** condor_annex decides the command from the options: -count/-slots create, -duration alone resets. */
function inferCommand(
  argv: readonly string[],
  options: Options,
  given: Set<string>,
): CommandName | "help" {
  const onlyGlobal = [...given].every((name) => {
    const spec = BY_NAME.get(name);
    return spec !== undefined && spec.kind !== "command" && "scope" in spec && spec.scope === "all";
  });
  if (argv.length === 0 || options.help || onlyGlobal) return "help";
  const creates = [
    "count",
    "slots",
    "aws-spot-fleet-config-file",
    "aws-on-demand",
    "aws-spot-fleet",
  ];
  if (creates.some((name) => given.has(name))) return "create";
  if (given.has("duration")) {
    if (given.has("idle")) {
      throw new UsageError(
        "You may not change the idle duration of existing instances.  If you'd like to add new instances with a particular idle duration, you must specify -count.",
      );
    }
    return "extend";
  }
  throw new UsageError(
    "To change the lease duration of an existing annex, use -duration.  To start a new annex, use -count.",
  );
}

function checkScope(command: CommandName, given: Set<string>): void {
  for (const name of given) {
    const spec = BY_NAME.get(name);
    if (!spec || spec.kind === "command" || spec.scope === "all") continue;
    if (!spec.scope.includes(command)) {
      throw new UsageError(`-${name} does not apply to 'annex ${command}'.`);
    }
  }
}
