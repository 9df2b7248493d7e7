/** The POST /setup request: pool collector, who may reach the instances, secrets, defaults. */
import type { Options } from "./args.ts";
import { checkImageId, checkInstanceType, parseCount, parseHours, readFile } from "./checks.ts";
import { UsageError } from "./errors.ts";
import type { PlanContext } from "./validate.ts";

/** Body of POST /setup. */
export interface SetupBody {
  collectorHost: string;
  allowCidr: string;
  vpcId?: string;
  sshCidr?: string;
  createKeyPair?: boolean;
  poolPassword?: string;
  poolToken?: string;
  defaults?: { instanceType?: string; imageId?: string };
  limits?: { maxCount?: number; maxDurationHours?: number };
}

/** Builds the POST /setup body from the options, the config file and HTCondor's own settings. */
export function setupBody(options: Options, ctx: PlanContext): SetupBody {
  const collectorHost =
    options.collectorHost ?? ctx.defaults.collectorHost ?? ctx.findCollector() ?? undefined;
  if (collectorHost === undefined || collectorHost.trim() === "") {
    throw new UsageError(
      "setup needs the pool's collector: give -collector-host HOST[:PORT] (or set collectorHost in the config file).",
    );
  }
  const allowCidr = options.allowCidr ?? ctx.defaults.allowCidr;
  if (allowCidr === undefined) {
    throw new UsageError(
      "setup needs -allow-cidr CIDR: the addresses allowed to reach HTCondor (port 9618) on the instances.",
    );
  }
  const body: SetupBody = { collectorHost: collectorHost.trim(), allowCidr: checkCidr(allowCidr) };
  if (options.vpcId !== undefined) body.vpcId = options.vpcId;
  if (options.sshCidr !== undefined) body.sshCidr = checkCidr(options.sshCidr);
  if (options.createKeyPair) body.createKeyPair = true;
  if (options.poolPasswordFile !== undefined && options.poolTokenFile !== undefined) {
    throw new UsageError("give -pool-password-file or -pool-token-file, not both.");
  }
  if (options.poolPasswordFile !== undefined) {
    body.poolPassword = readSecret(ctx, options.poolPasswordFile, "pool password file");
  }
  if (options.poolTokenFile !== undefined) {
    body.poolToken = readSecret(ctx, options.poolTokenFile, "pool token file");
  }
  const defaults: NonNullable<SetupBody["defaults"]> = {};
  if (options.defaultInstanceType !== undefined) {
    defaults.instanceType = checkInstanceType(options.defaultInstanceType);
  }
  if (options.defaultImageId !== undefined) defaults.imageId = checkImageId(options.defaultImageId);
  if (Object.keys(defaults).length > 0) body.defaults = defaults;
  const limits: NonNullable<SetupBody["limits"]> = {};
  if (options.maxCount !== undefined) limits.maxCount = parseCount(options.maxCount, "max-count");
  if (options.maxDuration !== undefined) {
    limits.maxDurationHours = parseHours(options.maxDuration, "max-duration");
  }
  if (Object.keys(limits).length > 0) body.limits = limits;
  return body;
}

function readSecret(ctx: PlanContext, path: string, what: string): string {
  const secret = readFile(ctx, path, what).replace(/\r?\n$/, "");
  if (secret.length === 0) throw new UsageError(`the ${what} '${path}' is empty.`);
  return secret;
}

/** An IPv4 or IPv6 CIDR block. */
export function checkCidr(value: string): string {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  const v4ok = v4 ? v4.slice(1, 5).every((o) => Number(o) <= 255) && Number(v4[5]) <= 32 : false;
  const v6 = /^[0-9A-Fa-f:]+\/(\d{1,3})$/.exec(value);
  const v6ok = v6 !== null && value.includes(":") && Number(v6[1]) <= 128;
  if (!v4ok && !v6ok) {
    throw new UsageError(`'${value}' is not a CIDR block (like 203.0.113.0/24).`);
  }
  return value;
}
