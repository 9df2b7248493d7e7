/**
 * The enforcer and the EC2 event handler: storage, prices, and EC2 through the sweeps' client (one
 * retry only, so throttling leaves work due for the next tick instead of spending the budget).
 */

import { AwsEc2Catalog } from "../adapters/aws/ec2-catalog.ts";
import { ec2ForSweeps } from "../adapters/aws/ec2-client.ts";
import { AwsEc2Fleets } from "../adapters/aws/ec2-fleets.ts";
import { AwsEc2Instances } from "../adapters/aws/ec2-instances.ts";
import { AwsLaunchTemplates } from "../adapters/aws/ec2-launch-templates.ts";
import { AwsSpotFleets } from "../adapters/aws/ec2-spot-fleets.ts";
import { AwsSpotPrices } from "../adapters/aws/spot-prices.ts";
import { log } from "../adapters/http/logger.ts";
import { getNumberFromEnv, getStringFromEnv } from "../config.ts";
import { EndingAnnexes } from "../enforcement/ending-annexes.ts";
import type { EnforcePorts, TimeLeft } from "../enforcement/ports.ts";
import { invocationBudget } from "../enforcement/sweep.ts";
import { priceCache, pricePorts } from "./prices.ts";
import {
  annexRepository,
  capacityMemory,
  claimRepository,
  configStore,
  instanceRepository,
} from "./storage.ts";

export const enforcePorts: EnforcePorts = {
  annexes: annexRepository,
  claims: claimRepository,
  instances: instanceRepository,
  store: configStore,
  ec2: new AwsEc2Instances(ec2ForSweeps),
  fleets: new AwsSpotFleets(ec2ForSweeps),
  ec2Fleets: new AwsEc2Fleets(ec2ForSweeps),
  launchTemplates: new AwsLaunchTemplates(ec2ForSweeps),
  catalog: new AwsEc2Catalog(ec2ForSweeps),
  capacityMemory,
  stage: getStringFromEnv("ANNEX_STAGE"),
  prices: pricePorts(new AwsSpotPrices(ec2ForSweeps)),
  watch: priceCache,
  log,
};

/** The annexes this container saw stopping or ended (the EC2 event handler reads each once). */
export const endingAnnexes = new EndingAnnexes();

/** Milliseconds one sweep may run (serverless.yml sets it below the function's timeout). */
const sweepBudgetMs = getNumberFromEnv("ANNEX_SWEEP_BUDGET_MS", 45_000);

/** Kept free before the Lambda timeout, for the step in flight when the budget runs out. */
const RESERVE_MS = 10_000;

/** The time left to a sweep or a worker started at `startedAt`: its budget, within its invocation. */
export function sweepTimeLeft(startedAt: number, remainingMs: () => number): TimeLeft {
  return invocationBudget(sweepBudgetMs, startedAt, Date.now, remainingMs, RESERVE_MS);
}
