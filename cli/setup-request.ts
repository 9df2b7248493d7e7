/** The POST /setup request: pool collector, who may reach the instances, secrets, defaults. */
import { parseSetup } from "../shared/domain/requests/setup.ts";
import type { Invocation } from "./args.ts";
import { checked, parseCount, parseHours, readFile } from "./checks.ts";
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

/**
 * Builds the POST /setup body from the options, the config file and HTCondor's own settings,
 * checked with the service's setup schema.
 */
export function setupBody({ options, given }: Invocation, ctx: PlanContext): SetupBody {
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
  const body: SetupBody = { collectorHost: collectorHost.trim(), allowCidr };
  if (options.vpcId !== undefined) body.vpcId = options.vpcId;
  if (options.sshCidr !== undefined) body.sshCidr = options.sshCidr;
  if (options.createKeyPair) body.createKeyPair = true;
  if (options.poolPasswordFile !== undefined) {
    body.poolPassword = readSecret(ctx, options.poolPasswordFile, "pool password file");
  }
  if (options.poolTokenFile !== undefined) {
    body.poolToken = readSecret(ctx, options.poolTokenFile, "pool token file");
  }
  const defaults: NonNullable<SetupBody["defaults"]> = {};
  if (options.defaultInstanceType !== undefined)
    defaults.instanceType = options.defaultInstanceType;
  if (options.defaultImageId !== undefined) defaults.imageId = options.defaultImageId;
  if (Object.keys(defaults).length > 0) body.defaults = defaults;
  const limits: NonNullable<SetupBody["limits"]> = {};
  if (options.maxCount !== undefined) limits.maxCount = parseCount(options.maxCount, "max-count");
  if (options.maxDuration !== undefined) {
    limits.maxDurationHours = parseHours(options.maxDuration, "max-duration");
  }
  if (Object.keys(limits).length > 0) body.limits = limits;
  checked(given, () => parseSetup(body));
  return body;
}

/** A secret file's content without its final newline (never printed). */
function readSecret(ctx: PlanContext, path: string, what: string): string {
  return readFile(ctx, path, what).replace(/\r?\n$/, "");
}
