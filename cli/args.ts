/**
 * The command-line grammar: subcommands (`annex create …`) and condor_annex's spellings
 * (`annex -count 1 -annex-name X …`), single- or double-dash long options, `--opt=value`.
 * Parsing only checks the shape of the command line; values are checked in validate.ts.
 */
import { UsageError } from "./errors.ts";
import {
  SPEC_BY_NAME as BY_NAME,
  COMMANDS,
  type CommandName,
  emptyOptions,
  FLEET_OPTIONS,
  type Options,
} from "./options.ts";

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
  const ownOptions = [...given].filter((name) => !isGlobal(name));
  if (argv.length === 0 || options.help || ownOptions.length === 0) return "help";
  const creates = [
    "count",
    "slots",
    "aws-spot-fleet-config-file",
    "aws-on-demand",
    "aws-spot-fleet",
    ...FLEET_OPTIONS,
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
  if (ownOptions.length === 1 && options.annexName !== undefined) {
    throw new UsageError(
      `to see annex ${options.annexName}, run 'annex status ${options.annexName}' (condor_status -annex). To reset its lease, add -duration HOURS; to start a new annex, use -count.`,
    );
  }
  throw new UsageError(
    "To change the lease duration of an existing annex, use -duration.  To start a new annex, use -count.",
  );
}

/** An option every command takes (where it talks, --json, --help). */
function isGlobal(name: string): boolean {
  const spec = BY_NAME.get(name);
  return spec !== undefined && spec.kind !== "command" && spec.scope === "all";
}

function checkScope(command: CommandName, given: Set<string>): void {
  for (const name of given) {
    const spec = BY_NAME.get(name);
    if (!spec || spec.kind === "command" || spec.scope === "all") continue;
    if (!(spec.scope as readonly CommandName[]).includes(command)) {
      throw new UsageError(`-${name} does not apply to 'annex ${command}'.`);
    }
  }
}
