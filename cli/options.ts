/**
 * Every command and option `annex` knows, spelled once: the names it is typed with (the first
 * is shown in help and errors), the options' keys, and the request field each option fills
 * (so the API's validation issues can be said in the flags the user typed).
 */

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

type Scope = readonly CommandName[] | "all";

/** One option: a switch, a value, condor_annex's two-word -tag, or a command spelled as an option. */
export type OptionSpec =
  | { names: readonly string[]; kind: "flag"; key: string; scope: Scope; field?: string }
  | {
      names: readonly string[];
      kind: "value";
      key: string;
      scope: Scope;
      metavar: string;
      field?: string;
      /** What the value is, said when the API finds it missing. */
      purpose?: string;
      /** The name said for an EC2 Fleet annex, when none of `names` was typed. */
      fleetName?: string;
    }
  | { names: readonly string[]; kind: "tag"; scope: Scope; field: string }
  | { names: readonly string[]; kind: "command"; command: CommandName };

/** The options that make a create an EC2 Fleet annex. */
export const FLEET_OPTIONS = [
  "cores",
  "aws-instance-types",
  "aws-vcpus",
  "aws-memory-per-vcpu",
  "spot",
  "on-demand",
  "spot-percent",
  "replace-interrupted",
] as const;

/** Whether the options typed (their names) ask for an EC2 Fleet annex. */
export const isFleet = (given: ReadonlySet<string>): boolean =>
  FLEET_OPTIONS.some((name) => given.has(name));

const ALL = "all";
const CREATE = ["create"] as const;
const SETUP = ["setup"] as const;
const NAMED = ["create", "status", "extend", "off", "history"] as const;

export const OPTION_SPECS = [
  { names: ["setup"], kind: "command", command: "setup" },
  { names: ["check-setup"], kind: "command", command: "check-setup" },
  { names: ["status"], kind: "command", command: "status" },
  { names: ["help", "h"], kind: "flag", key: "help", scope: ALL },
  { names: ["url"], kind: "value", key: "url", scope: ALL, metavar: "URL" },
  { names: ["aws-region", "region"], kind: "value", key: "region", scope: ALL, metavar: "REGION" },
  {
    names: ["aws-access-key-file", "aws-public-key-file"],
    kind: "value",
    key: "accessKeyFile",
    scope: ALL,
    metavar: "FILE",
  },
  {
    names: ["aws-secret-key-file", "aws-private-key-file"],
    kind: "value",
    key: "secretKeyFile",
    scope: ALL,
    metavar: "FILE",
  },
  { names: ["json"], kind: "flag", key: "json", scope: ALL },
  {
    names: ["annex-name", "annex"],
    kind: "value",
    key: "annexName",
    scope: NAMED,
    metavar: "NAME",
    field: "name",
  },
  { names: ["count"], kind: "value", key: "count", scope: CREATE, metavar: "N", field: "count" },
  { names: ["slots"], kind: "value", key: "slots", scope: CREATE, metavar: "N", field: "slots" },
  { names: ["cores"], kind: "value", key: "cores", scope: CREATE, metavar: "N", field: "cores" },
  {
    names: ["aws-instance-types"],
    kind: "value",
    key: "instanceTypes",
    scope: CREATE,
    metavar: "TYPE[,TYPE…]",
    field: "fleet.instanceTypes",
  },
  {
    names: ["aws-vcpus"],
    kind: "value",
    key: "vcpus",
    scope: CREATE,
    metavar: "MIN[-MAX]",
    field: "fleet.vcpus",
  },
  {
    names: ["aws-memory-per-vcpu"],
    kind: "value",
    key: "memoryPerVcpu",
    scope: CREATE,
    metavar: "GIB[-GIB]",
    field: "fleet.memoryPerVcpuGiB",
  },
  { names: ["spot"], kind: "flag", key: "spot", scope: CREATE, field: "fleet.onDemandFallback" },
  {
    names: ["on-demand"],
    kind: "flag",
    key: "onDemandOnly",
    scope: CREATE,
    field: "fleet.spotPercent",
  },
  {
    names: ["spot-percent"],
    kind: "value",
    key: "spotPercent",
    scope: CREATE,
    metavar: "N",
    field: "fleet.spotPercent",
  },
  {
    names: ["replace-interrupted"],
    kind: "flag",
    key: "replaceInterrupted",
    scope: CREATE,
    field: "fleet.replaceInterrupted",
  },
  {
    names: ["duration"],
    kind: "value",
    key: "duration",
    scope: ["create", "extend"],
    metavar: "HOURS",
    field: "durationHours",
  },
  {
    names: ["idle"],
    kind: "value",
    key: "idle",
    scope: CREATE,
    metavar: "HOURS",
    field: "idleHours",
  },
  { names: ["aws-on-demand"], kind: "flag", key: "onDemand", scope: CREATE },
  { names: ["aws-spot-fleet"], kind: "flag", key: "spotFleet", scope: CREATE },
  {
    names: ["aws-on-demand-instance-type"],
    kind: "value",
    key: "instanceType",
    scope: CREATE,
    metavar: "TYPE",
    field: "instanceType",
  },
  {
    names: ["aws-on-demand-ami-id", "aws-ami-id"],
    kind: "value",
    key: "imageId",
    scope: CREATE,
    metavar: "AMI",
    field: "imageId",
    fleetName: "aws-ami-id",
  },
  {
    names: ["aws-on-demand-security-group-ids"],
    kind: "value",
    key: "securityGroupIds",
    scope: CREATE,
    metavar: "SG[,SG…]",
    field: "securityGroupIds",
  },
  {
    names: ["aws-on-demand-key-name"],
    kind: "value",
    key: "keyName",
    scope: CREATE,
    metavar: "KEY",
    field: "keyName",
  },
  {
    names: ["aws-user-data"],
    kind: "value",
    key: "userData",
    scope: CREATE,
    metavar: "DATA",
    field: "userData",
  },
  {
    names: ["aws-user-data-file"],
    kind: "value",
    key: "userDataFile",
    scope: CREATE,
    metavar: "FILE",
    field: "userData",
  },
  {
    names: ["aws-default-user-data"],
    kind: "value",
    key: "defaultUserData",
    scope: CREATE,
    metavar: "DATA",
    field: "defaultUserData",
  },
  {
    names: ["aws-default-user-data-file"],
    kind: "value",
    key: "defaultUserDataFile",
    scope: CREATE,
    metavar: "FILE",
    field: "defaultUserData",
  },
  {
    names: ["aws-spot-fleet-config-file"],
    kind: "value",
    key: "spotFleetConfigFile",
    scope: CREATE,
    metavar: "FILE",
    field: "spotFleetConfig",
  },
  { names: ["tag"], kind: "tag", scope: CREATE, field: "tags" },
  {
    names: ["owner"],
    kind: "value",
    key: "owner",
    scope: CREATE,
    metavar: "USER[,USER…]",
    field: "owners",
  },
  { names: ["no-owner"], kind: "flag", key: "noOwner", scope: CREATE, field: "noOwner" },
  {
    names: ["budget"],
    kind: "value",
    key: "budget",
    scope: CREATE,
    metavar: "USD",
    field: "budgetUsd",
  },
  { names: ["yes"], kind: "flag", key: "yes", scope: CREATE },
  { names: ["classad", "classads"], kind: "flag", key: "classad", scope: ["status"] },
  { names: ["all"], kind: "flag", key: "all", scope: ["status"] },
  {
    names: ["collector-host"],
    kind: "value",
    key: "collectorHost",
    scope: SETUP,
    metavar: "HOST[:PORT]",
    field: "collectorHost",
  },
  {
    names: ["allow-cidr"],
    kind: "value",
    key: "allowCidr",
    scope: SETUP,
    metavar: "CIDR",
    field: "allowCidr",
  },
  { names: ["vpc-id"], kind: "value", key: "vpcId", scope: SETUP, metavar: "VPC", field: "vpcId" },
  {
    names: ["ssh-cidr"],
    kind: "value",
    key: "sshCidr",
    scope: SETUP,
    metavar: "CIDR",
    field: "sshCidr",
  },
  {
    names: ["create-key-pair"],
    kind: "flag",
    key: "createKeyPair",
    scope: SETUP,
    field: "createKeyPair",
  },
  {
    names: ["pool-password-file"],
    kind: "value",
    key: "poolPasswordFile",
    scope: SETUP,
    metavar: "FILE",
    field: "poolPassword",
    purpose: "a file holding the pool password, for HTCondor's PASSWORD authentication",
  },
  {
    names: ["pool-token-file"],
    kind: "value",
    key: "poolTokenFile",
    scope: SETUP,
    metavar: "FILE",
    field: "poolToken",
    purpose: "a file holding an HTCondor IDTOKEN the instances join the pool with",
  },
  {
    names: ["default-instance-type"],
    kind: "value",
    key: "defaultInstanceType",
    scope: SETUP,
    metavar: "TYPE",
    field: "defaults.instanceType",
  },
  {
    names: ["default-ami-id", "default-image-id"],
    kind: "value",
    key: "defaultImageId",
    scope: SETUP,
    metavar: "AMI",
    field: "defaults.imageId",
  },
  {
    names: ["max-count"],
    kind: "value",
    key: "maxCount",
    scope: SETUP,
    metavar: "N",
    field: "limits.maxCount",
  },
  {
    names: ["max-duration"],
    kind: "value",
    key: "maxDuration",
    scope: SETUP,
    metavar: "HOURS",
    field: "limits.maxDurationHours",
  },
  {
    names: ["default-budget"],
    kind: "value",
    key: "defaultBudget",
    scope: SETUP,
    metavar: "USD",
    field: "limits.defaultBudgetUsd",
  },
  {
    names: ["max-budget"],
    kind: "value",
    key: "maxBudget",
    scope: SETUP,
    metavar: "USD",
    field: "limits.maxBudgetUsd",
  },
  {
    names: ["prices"],
    kind: "value",
    key: "prices",
    scope: SETUP,
    metavar: "TYPE=USD[,…]",
    field: "prices",
  },
  {
    names: ["min-duration"],
    kind: "value",
    key: "minDuration",
    scope: SETUP,
    metavar: "HOURS",
    field: "limits.minDurationHours",
  },
  {
    names: ["min-idle"],
    kind: "value",
    key: "minIdle",
    scope: SETUP,
    metavar: "HOURS",
    field: "limits.minIdleHours",
  },
] as const satisfies readonly OptionSpec[];

export type KnownSpec = (typeof OPTION_SPECS)[number];
export type FlagKey = Extract<KnownSpec, { kind: "flag" }>["key"];
export type ValueKey = Extract<KnownSpec, { kind: "value" }>["key"];

/** Option values as typed; flags are booleans, `-tag` collects pairs. */
export type Options = Partial<Record<ValueKey, string>> &
  Record<FlagKey, boolean> & { tags: Array<[string, string]> };

/** Every spec by each of its names. */
export const SPEC_BY_NAME: ReadonlyMap<string, KnownSpec> = new Map(
  OPTION_SPECS.flatMap((spec) => spec.names.map((name) => [name, spec] as const)),
);

/** No option given: every flag off, no tags. */
export function emptyOptions(): Options {
  const flags = OPTION_SPECS.flatMap((spec) => (spec.kind === "flag" ? [[spec.key, false]] : []));
  return { ...(Object.fromEntries(flags) as Record<FlagKey, boolean>), tags: [] };
}
