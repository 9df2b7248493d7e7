/** The POST /setup request: pool collector, who may reach the instances, secrets, defaults. */
import { parseSetup } from "../shared/domain/requests/setup.ts";
import type { Invocation } from "./args.ts";
import { checked, parseCount, parseHours, parseUsd, readFile } from "./checks.ts";
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
  limits?: {
    maxCount?: number;
    maxDurationHours?: number;
    defaultBudgetUsd?: number;
    maxBudgetUsd?: number;
    minDurationHours?: number;
    minIdleHours?: number;
  };
  prices?: Record<string, number>;
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
  if (options.defaultBudget !== undefined)
    limits.defaultBudgetUsd = parseUsd(options.defaultBudget, "default-budget");
  if (options.maxBudget !== undefined)
    limits.maxBudgetUsd = parseUsd(options.maxBudget, "max-budget");
  if (options.minDuration !== undefined) {
    limits.minDurationHours = parseHours(options.minDuration, "min-duration");
  }
  if (options.minIdle !== undefined) limits.minIdleHours = parseHours(options.minIdle, "min-idle");
  if (Object.keys(limits).length > 0) body.limits = limits;
  if (options.prices !== undefined) body.prices = priceTable(options.prices);
  checked(given, () => parseSetup(body));
  return body;
}

/** `-prices m5.large=0.085,c5.large=0.07` as a table; `none` pins nothing (clears the stored table). */
export function priceTable(value: string): Record<string, number> {
  if (value.trim() === "none") return {};
  const table: Record<string, number> = {};
  for (const pair of value
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [type = "", usd = "", ...extra] = pair.split("=").map((p) => p.trim());
    const price = Number(usd.replace(/^\$/, ""));
    if (extra.length > 0 || type === "" || usd === "" || !Number.isFinite(price))
      throw new UsageError(
        `-prices takes TYPE=USD pairs separated by commas (like m5.large=0.085), not '${pair}'.`,
      );
    if (type in table) throw new UsageError(`-prices names ${type} twice.`);
    table[type] = price;
  }
  return table;
}

/** A secret file's content without its final newline (never printed). */
function readSecret(ctx: PlanContext, path: string, what: string): string {
  return readFile(ctx, path, what).replace(/\r?\n$/, "");
}
