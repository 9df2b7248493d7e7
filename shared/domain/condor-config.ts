/**
 * The instance configuration bundle: the HTCondor config file of an annex, the pool secret and
 * the shutdown script, as a tar.gz the instance unpacks into /etc/condor.
 *
 * Injection safety: user values (name, owners, tag values) only ever appear inside ClassAd
 * string literals on a line of their own. Such a literal may not contain a line break or any
 * other control character (the config parser is line based), `$` (macro and function
 * expansion, e.g. `$(X)`, `$ENV(X)`), `"` or `\` (HTCondor's old and new ClassAd syntaxes
 * escape these differently, so neither can be escaped reliably). Those values are rejected,
 * never rewritten. Tag keys only appear as `AnnexTag_<key with every character outside
 * [A-Za-z0-9_] replaced by _>`. The collector host must be a plain `host[:port]`.
 */

import type { Annex } from "./annex.ts";
import { ValidationError, type ValidationIssue } from "./errors.ts";
import { isHostPort } from "./net.ts";
import {
  ANNEX_ID_PATTERN,
  ANNEX_NAME_MAX,
  ANNEX_NAME_PATTERN,
  formatPath,
  OWNER_PATTERN,
} from "./requests/common.ts";
import { authOf, type PoolAuth, type PoolSecret } from "./settings.ts";
import { createTarGz, type TarEntry } from "./tar.ts";

/** Where the instance unpacks the bundle. */
export const CONDOR_CONFIG_ROOT = "/etc/condor";

/** Paths inside the bundle (relative to CONDOR_CONFIG_ROOT). */
export const BUNDLE_PATHS = {
  config: "config.d/50-annex.config",
  password: "passwords.d/POOL",
  token: "tokens.d/annex.token",
  shutdownScript: "annex/master-shutdown.sh",
} as const;

/** What the annex config file is made of. */
export interface AnnexConfigInput {
  collectorHost: string;
  auth: PoolAuth;
  annex: Pick<Annex, "id" | "name" | "owners" | "noOwner" | "idleTimeoutSeconds" | "tags">;
}

/** The ClassAd attribute a user tag is published as. */
export function tagAttributeName(key: string): string {
  return `AnnexTag_${key.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
const UNSAFE_IN_STRING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029"\\$]/;

/** Why a value cannot go into a ClassAd string literal of the config, or undefined if it can. */
export function unsafeStringReason(value: string): string | undefined {
  return UNSAFE_IN_STRING.test(value)
    ? "must not contain control characters, line breaks, '\"', '\\' or '$'"
    : undefined;
}

function checkInput(input: AnnexConfigInput): ValidationIssue[] {
  const { annex } = input;
  const issues: ValidationIssue[] = [];
  const fail = (path: (string | number)[], message: string) =>
    issues.push({ path: formatPath(path), message });
  if (!isHostPort(input.collectorHost)) fail(["collectorHost"], "must be host or host:port");
  if (!ANNEX_ID_PATTERN.test(annex.id)) fail(["id"], "must be a ULID");
  if (!ANNEX_NAME_PATTERN.test(annex.name) || annex.name.length > ANNEX_NAME_MAX) {
    fail(["name"], "is not a valid annex name");
  }
  if (!Number.isSafeInteger(annex.idleTimeoutSeconds) || annex.idleTimeoutSeconds < 1) {
    fail(["idleTimeoutSeconds"], "must be a positive whole number");
  }
  if (!annex.noOwner && annex.owners.length === 0) fail(["owners"], "are required unless noOwner");
  for (const [i, owner] of annex.owners.entries()) {
    if (!OWNER_PATTERN.test(owner)) fail(["owners", i], "is not a valid HTCondor user name");
  }
  const attributes = new Map<string, string>();
  for (const [key, value] of Object.entries(annex.tags)) {
    const attribute = tagAttributeName(key).toLowerCase();
    const other = attributes.get(attribute);
    if (other !== undefined) fail(["tags", key], `becomes the same attribute as tag "${other}"`);
    attributes.set(attribute, key);
    const reason = unsafeStringReason(value);
    if (reason) fail(["tags", key], reason);
  }
  return issues;
}

/** The security lines: PASSWORD (and IDTOKENS signed by it) or IDTOKENS; FS for local tools. */
function securityLines(auth: PoolAuth): string[] {
  const credentials =
    auth === "password"
      ? [
          "SEC_DEFAULT_AUTHENTICATION_METHODS = FS, PASSWORD, IDTOKENS",
          `SEC_PASSWORD_DIRECTORY = ${CONDOR_CONFIG_ROOT}/passwords.d`,
          `SEC_PASSWORD_FILE = ${CONDOR_CONFIG_ROOT}/${BUNDLE_PATHS.password}`,
        ]
      : [
          "SEC_DEFAULT_AUTHENTICATION_METHODS = FS, IDTOKENS",
          `SEC_TOKEN_DIRECTORY = ${CONDOR_CONFIG_ROOT}/tokens.d`,
        ];
  return [
    "SEC_DEFAULT_AUTHENTICATION = REQUIRED",
    ...credentials,
    "SEC_DEFAULT_ENCRYPTION = REQUIRED",
    "SEC_DEFAULT_INTEGRITY = REQUIRED",
  ];
}

/**
 * The annex's HTCondor config file (`config.d/50-annex.config`). Throws a ValidationError
 * naming the field when any value could not be written safely.
 */
export function renderAnnexConfig(input: AnnexConfigInput): string {
  const issues = checkInput(input);
  if (issues.length > 0) throw new ValidationError(issues);
  const { annex } = input;
  const tags = Object.entries(annex.tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const attributes = [
    "AnnexName",
    "AnnexId",
    "IsAnnex",
    ...tags.map(([key]) => tagAttributeName(key)),
  ];
  const ownerClause = annex.noOwner
    ? ""
    : ` && stringListMember(TARGET.Owner, "${annex.owners.join(",")}")`;
  const lines = [
    "# Written by cloud-annex for this annex. Do not edit.",
    `COLLECTOR_HOST = ${input.collectorHost}`,
    "",
    `AnnexName = "${annex.name}"`,
    `AnnexId = "${annex.id}"`,
    "IsAnnex = True",
    ...tags.map(([key, value]) => `${tagAttributeName(key)} = "${value}"`),
    `STARTD_ATTRS = $(STARTD_ATTRS) ${attributes.join(" ")}`,
    `MASTER_ATTRS = $(MASTER_ATTRS) ${attributes.join(" ")}`,
    "",
    `START = (TARGET.MayUseAWS =?= True)${ownerClause}`,
    "",
    "# Idle shutdown: the startd exits when unclaimed this long, then the master, then the instance.",
    `STARTD_NOCLAIM_SHUTDOWN = ${annex.idleTimeoutSeconds}`,
    "MASTER.DAEMON_SHUTDOWN_FAST = (STARTD_StartTime == 0) && ((time() - DaemonStartTime) > 60)",
    `DEFAULT_MASTER_SHUTDOWN_SCRIPT = ${CONDOR_CONFIG_ROOT}/${BUNDLE_PATHS.shutdownScript}`,
    "",
    ...securityLines(input.auth),
    "ENCRYPT_EXECUTE_DIRECTORY = True",
  ];
  return `${lines.join("\n")}\n`;
}

/** The script the master runs when it exits: the instance powers off (and so terminates). */
export const SHUTDOWN_SCRIPT = [
  "#!/bin/sh",
  "# Installed by cloud-annex: run by the HTCondor master when it exits (idle shutdown,",
  "# condor_off -annex); powering off terminates the instance.",
  "exec /sbin/shutdown -h now",
  "",
].join("\n");

/** HTCondor's pool password file format: the password XOR-ed with 0xDEADBEEF, no trailing NUL. */
export function scramblePoolPassword(password: string): Buffer {
  const key = [0xde, 0xad, 0xbe, 0xef];
  return Buffer.from(Buffer.from(password, "utf8").map((byte, i) => byte ^ (key[i % 4] ?? 0)));
}

function secretEntries(secret: PoolSecret): TarEntry[] {
  if ("poolPassword" in secret) {
    if (secret.poolPassword.length === 0 || secret.poolPassword.includes("\0")) {
      throw new ValidationError([
        { path: "poolPassword", message: "must be non-empty without NUL" },
      ]);
    }
    return [
      { path: "passwords.d", type: "directory", mode: 0o700 },
      {
        path: BUNDLE_PATHS.password,
        content: scramblePoolPassword(secret.poolPassword),
        mode: 0o600,
      },
    ];
  }
  if (!/^[\x21-\x7e]+$/.test(secret.poolToken)) {
    throw new ValidationError([
      { path: "poolToken", message: "must be one line of printable ASCII" },
    ]);
  }
  return [
    { path: "tokens.d", type: "directory", mode: 0o700 },
    { path: BUNDLE_PATHS.token, content: `${secret.poolToken}\n`, mode: 0o600 },
  ];
}

/** What goes into an annex's bundle. */
export interface ConfigBundleInput {
  annex: AnnexConfigInput["annex"] & Pick<Annex, "createdAt">;
  settings: { collectorHost: string };
  secret: PoolSecret;
}

/** The instance configuration bundle (tar.gz, reproducible for the same input). */
export function buildConfigBundle({ annex, settings, secret }: ConfigBundleInput): Buffer {
  const config = renderAnnexConfig({
    annex,
    collectorHost: settings.collectorHost,
    auth: authOf(secret),
  });
  return createTarGz(
    [
      { path: "config.d", type: "directory", mode: 0o755 },
      { path: BUNDLE_PATHS.config, content: config, mode: 0o644 },
      { path: "annex", type: "directory", mode: 0o755 },
      { path: BUNDLE_PATHS.shutdownScript, content: SHUTDOWN_SCRIPT, mode: 0o755 },
      ...secretEntries(secret),
    ],
    { mtime: annex.createdAt },
  );
}
