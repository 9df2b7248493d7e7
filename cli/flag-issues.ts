/**
 * Validation issues (the domain's, found locally or answered by the API) said in the words of
 * the command line: each field becomes the flag that fills it ("-count must be at most 50").
 */
import type { ValidationIssue } from "../shared/domain/errors.ts";
import { isFleet, type KnownSpec, OPTION_SPECS } from "./options.ts";

type FieldSpec = Extract<KnownSpec, { field: string }>;

const FIELD_SPECS: readonly FieldSpec[] = OPTION_SPECS.filter(
  (spec): spec is FieldSpec => "field" in spec,
);

/** The option that fills `field`: the one the user typed when several do (-aws-user-data[-file]). */
function specFor(field: string, given: ReadonlySet<string>): FieldSpec | undefined {
  const candidates = FIELD_SPECS.filter((spec) => spec.field === field);
  return candidates.find((spec) => given.has(spec.names[0])) ?? candidates[0];
}

/** How the option is said: by its first name, or the one fleet annexes use (`-aws-ami-id`). */
function flagOf(spec: FieldSpec, given: ReadonlySet<string>): string {
  return `-${"fleetName" in spec && isFleet(given) ? spec.fleetName : spec.names[0]}`;
}

/** The longest field that `path` is, or lies under (`owners[1]`, `defaults.imageId`). */
function fieldOf(path: string): string | undefined {
  const fields = FIELD_SPECS.map((spec) => spec.field as string).sort(
    (a, b) => b.length - a.length,
  );
  return fields.find((f) => path === f || path.startsWith(`${f}.`) || path.startsWith(`${f}[`));
}

/** `-owner (item 2)`, `-tag "aws:x"`, `-aws-spot-fleet-config-file LaunchSpecifications[0]`. */
function subject(flag: string, rest: string): string {
  const item = /^\[(\d+)\]$/.exec(rest);
  if (item) return `${flag} (item ${Number(item[1]) + 1})`;
  const key = /^\[("(?:[^"\\]|\\.)*")\]$/.exec(rest)?.[1];
  if (key !== undefined) return `${flag} ${key}`;
  return rest === "" ? flag : `${flag} ${rest.replace(/^\./, "")}`;
}

/** Field names an API message mentions: always camelCase (`durationHours`, `poolToken`). */
const MENTION = /\b[a-z]+(?:[A-Z][a-z]+)+\b/g;

/** Text from the API with the request fields it mentions said as flags (check-setup's hints). */
export function mentionsAsFlags(message: string, given: ReadonlySet<string> = new Set()): string {
  return message.replace(MENTION, (word) => {
    const spec = specFor(word, given);
    return spec ? flagOf(spec, given) : word;
  });
}

/** What each missing option is for, when the API says one is required. */
function purposes(message: string, specs: Array<FieldSpec | undefined>): string {
  if (!message.startsWith("is required")) return "";
  const said = specs.flatMap((spec) =>
    spec && "purpose" in spec ? [`-${spec.names[0]} ${spec.metavar}: ${spec.purpose}`] : [],
  );
  return said.length === 0 ? "" : ` (${said.join("; ")})`;
}

/** One line for the issues, each once, in the flags of the command line that was typed. */
export function issuesInFlags(
  issues: readonly ValidationIssue[],
  given: ReadonlySet<string>,
): string {
  const lines = issues.map(({ path, message }) => {
    const field = fieldOf(path);
    const spec = field === undefined ? undefined : specFor(field, given);
    const who = spec ? subject(flagOf(spec, given), path.slice(field?.length ?? 0)) : path;
    const mentioned = [...message.matchAll(MENTION)].map((m) => specFor(m[0], given));
    const text = `${who} ${mentionsAsFlags(message, given)}${purposes(message, [spec, ...mentioned])}`;
    return text.trim();
  });
  return [...new Set(lines)].join("; ");
}
