/**
 * One-time setup (POST /setup), idempotent: verifies what the stack deployed, makes the
 * instances' security group and optional key pair, and stores pool settings and secrets.
 * Each component reports what it did and how long it took; a second identical run changes nothing.
 */

import { randomBytes } from "node:crypto";
import { requireAdmin } from "../../domain/admins.ts";
import { ValidationError } from "../../domain/errors.ts";
import { LaunchRejectedError } from "../../domain/launch-errors.ts";
import { parseSetup, type SetupRequest } from "../../domain/requests/setup.ts";
import { DEFAULT_LIMITS, type PoolSecret, type PoolSettings } from "../../domain/settings.ts";
import {
  type Component,
  instanceProofProblem,
  type SetupPorts,
  type SetupRun,
  timed,
} from "./setup-components.ts";

export interface SetupResult {
  ok: boolean;
  components: Component[];
}

const HTCONDOR_PORT = 9618;
const SSH_PORT = 22;

/**
 * Runs setup; stops at the first component that fails (later ones depend on it). The whole
 * request is checked first, so a refused setup (ValidationError: no pool secret, no such VPC)
 * leaves the security group, settings and secrets as they were.
 */
export async function runSetup(
  setupPorts: SetupPorts,
  request: SetupRequest,
): Promise<SetupResult> {
  const ports: SetupRun = { ...setupPorts, memo: {} };
  const { names } = ports;
  const secret = await poolSecretFor(ports, request);
  const vpcId = await vpcFor(ports, request);
  const components: Component[] = [];
  const steps: Array<() => Promise<Component>> = [
    () =>
      timed(ports, "config-bucket", async () =>
        (await ports.store.bucketExists())
          ? ["unchanged", `verified bucket ${ports.store.bucket}`]
          : [
              "failed",
              `bucket ${ports.store.bucket} is missing: deploy the stack (see README, Deploying)`,
            ],
      ),
    () =>
      timed(ports, "state-table", async () =>
        (await ports.deployment.tableExists(names.table))
          ? ["unchanged", `verified table ${names.table}`]
          : ["failed", `table ${names.table} is missing: deploy the stack`],
      ),
    () =>
      timed(ports, "lambda-functions", async () => {
        const missing = await ports.deployment.missingFunctions(names.functions);
        return missing.length === 0
          ? ["unchanged", `verified ${names.functions.length} functions`]
          : ["failed", `functions missing: ${missing.join(", ")}: deploy the stack`];
      }),
    () =>
      timed(ports, "instance-profile", async () => {
        const arn = await ports.deployment.instanceProfileArn(names.instanceProfile);
        return arn
          ? ["unchanged", `verified ${arn}`]
          : ["failed", `instance profile ${names.instanceProfile} is missing: deploy the stack`];
      }),
    () =>
      timed(ports, "instance-proof", async () => {
        const problem = instanceProofProblem(ports.instanceProof);
        const server = ports.instanceProof.config?.serverId;
        return problem === undefined
          ? ["unchanged", `verified: instances sign sts:GetCallerIdentity for server id ${server}`]
          : ["failed", problem];
      }),
    () => timed(ports, "security-group", () => ensureSecurityGroup(ports, request, vpcId)),
    ...(request.createKeyPair ? [() => timed(ports, "key-pair", () => ensureKeyPair(ports))] : []),
    () => timed(ports, "pool-settings", () => storePoolSettings(ports, request, secret)),
  ];
  for (const step of steps) {
    const component = await step();
    components.push(component);
    if (component.status === "failed") return { ok: false, components };
  }
  return { ok: true, components };
}

/** The VPC the security group goes in: the one asked for, else the default; refused if none. */
async function vpcFor(ports: SetupPorts, request: SetupRequest): Promise<string> {
  try {
    return await ports.network.vpcId(request.vpcId);
  } catch (error) {
    if (!(error instanceof LaunchRejectedError)) throw error;
    const message = request.vpcId
      ? "does not exist in this region"
      : "is required: this region has no default VPC";
    throw new ValidationError([{ path: "vpcId", message }], { cause: error });
  }
}

/** The secret given with this setup, the one stored before, and the one the pool will use. */
interface PoolSecrets {
  given?: PoolSecret;
  stored?: PoolSecret;
  secret: PoolSecret;
}

/** The pool's secrets for this setup; refused (before any change) when there is none at all. */
async function poolSecretFor(ports: SetupPorts, request: SetupRequest): Promise<PoolSecrets> {
  const given: PoolSecret | undefined =
    request.poolPassword !== undefined
      ? { poolPassword: request.poolPassword }
      : request.poolToken !== undefined
        ? { poolToken: request.poolToken }
        : undefined;
  const stored = await ports.store.getPoolSecret();
  const secret = given ?? stored;
  if (secret === undefined) {
    throw new ValidationError([
      { path: "poolPassword", message: "is required (or poolToken): no pool secret is stored yet" },
    ]);
  }
  return { given, stored, secret };
}

async function ensureSecurityGroup(
  ports: SetupRun,
  request: SetupRequest,
  vpcId: string,
): Promise<[Component["status"], string]> {
  const existing = await ports.network.findGroup(vpcId, ports.names.securityGroup);
  const groupId =
    existing ??
    (await ports.network.createGroup(
      vpcId,
      ports.names.securityGroup,
      "cloud-annex instances: HTCondor from the pool",
    ));
  const rules = [
    { port: HTCONDOR_PORT, cidr: request.allowCidr, description: "HTCondor" },
    ...(request.sshCidr ? [{ port: SSH_PORT, cidr: request.sshCidr, description: "SSH" }] : []),
  ];
  const opened: string[] = [];
  for (const rule of rules)
    if (await ports.network.allow(groupId, rule)) opened.push(`${rule.port} from ${rule.cidr}`);
  // The group is the service's own: what this setup states is all that stays open on its ports.
  const closed: string[] = [];
  for (const rule of await ports.network.ingressRules(groupId)) {
    const managed = rule.port === HTCONDOR_PORT || rule.port === SSH_PORT;
    if (managed && !rules.some((r) => r.port === rule.port && r.cidr === rule.cidr)) {
      await ports.network.revoke(groupId, rule);
      closed.push(`${rule.port} from ${rule.cidr}`);
    }
  }
  ports.memo.securityGroupId = groupId;
  if (!existing) return ["created", `created ${groupId} in ${vpcId}, TCP ${opened.join(", ")}`];
  const changes = [
    ...(opened.length > 0 ? [`opened TCP ${opened.join(", ")}`] : []),
    ...(closed.length > 0 ? [`closed TCP ${closed.join(", ")}`] : []),
  ];
  return changes.length > 0
    ? ["updated", `${changes.join("; ")} on ${groupId}`]
    : ["unchanged", `verified ${groupId}`];
}

async function ensureKeyPair(ports: SetupRun): Promise<[Component["status"], string, string?]> {
  const name = ports.names.keyPair;
  ports.memo.keyName = name;
  if (await ports.network.keyPairExists(name)) return ["unchanged", `key pair ${name} exists`];
  const privateKey = await ports.network.createKeyPair(name);
  return [
    "created",
    `created key pair ${name}; its private key is in this answer only`,
    privateKey,
  ];
}

async function storePoolSettings(
  ports: SetupRun,
  request: SetupRequest,
  { given: newSecret, stored: storedSecret, secret }: PoolSecrets,
): Promise<[Component["status"], string]> {
  const previous = await ports.store.getSettings();
  const settings: PoolSettings = {
    collectorHost: request.collectorHost,
    auth: "poolPassword" in secret ? "password" : "token",
    defaults: { ...previous?.defaults, ...request.defaults },
    limits: { ...DEFAULT_LIMITS, ...previous?.limits, ...request.limits },
    securityGroupIds: ports.memo.securityGroupId
      ? [ports.memo.securityGroupId]
      : previous?.securityGroupIds,
    keyName: ports.memo.keyName ?? previous?.keyName,
    instanceProfileArn: await ports.deployment.instanceProfileArn(ports.names.instanceProfile),
    ...pinnedPrices(request, previous),
  };
  const changes: string[] = [];
  if (JSON.stringify(previous) !== JSON.stringify(settings)) {
    await ports.store.putSettings(settings);
    changes.push("settings");
  }
  if (newSecret !== undefined && JSON.stringify(newSecret) !== JSON.stringify(storedSecret)) {
    await ports.store.putPoolSecret(newSecret);
    changes.push(`pool ${settings.auth}`);
  }
  if ((await ports.store.getHeartbeatKey()) === undefined) {
    await ports.store.putHeartbeatKey(randomBytes(32).toString("base64url"));
    changes.push("heartbeat key");
  }
  if (changes.length === 0) return ["unchanged", "pool settings and secrets are as given"];
  return [
    previous ? "updated" : "created",
    `stored ${changes.join(", ")} (secrets are never returned)`,
  ];
}

/** The pinned prices to store: the request's table replaces the stored one (`{}` clears it). */
function pinnedPrices(request: SetupRequest, previous: PoolSettings | undefined) {
  const prices = request.prices ?? previous?.prices;
  return prices && Object.keys(prices).length > 0 ? { prices } : {};
}

/** The limits as they will be stored; refuses (422) a default budget above the maximum. */
function checkLimits(request: SetupRequest, previous: PoolSettings | undefined): void {
  const limits = { ...previous?.limits, ...request.limits };
  const { defaultBudgetUsd, maxBudgetUsd } = limits;
  if (
    defaultBudgetUsd !== undefined &&
    maxBudgetUsd !== undefined &&
    defaultBudgetUsd > maxBudgetUsd
  )
    throw new ValidationError([
      {
        path:
          request.limits?.defaultBudgetUsd === undefined
            ? "limits.maxBudgetUsd"
            : "limits.defaultBudgetUsd",
        message: `the default budget (${defaultBudgetUsd}) must not exceed the maximum (${maxBudgetUsd})`,
      },
    ]);
}

/**
 * POST /setup: only an administrator (403 for anyone else), then the body is validated (400/422,
 * the budget limits against what is stored), all before anything changes; then setup runs.
 */
export async function setupFromBody(
  ports: SetupPorts,
  caller: string,
  body: unknown,
): Promise<SetupResult> {
  requireAdmin(caller, ports.admins, "run setup (POST /setup)");
  const request = parseSetup(body);
  checkLimits(request, await ports.store.getSettings());
  return runSetup(ports, request);
}
