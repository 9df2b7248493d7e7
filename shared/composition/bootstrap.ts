/**
 * The bootstrap function: the proof's configuration (read at init, never a throw: a broken one
 * makes bootstrap answer 503), STS, storage, the heartbeat key kept per container, EC2 (to read
 * the instance's tags) and prices (a fleet instance's first bootstrap re-computes its annex's spend).
 */

import { ec2 } from "../adapters/aws/ec2-client.ts";
import { AwsEc2Instances } from "../adapters/aws/ec2-instances.ts";
import { AwsSpotPrices } from "../adapters/aws/spot-prices.ts";
import { StsCallerIdentity } from "../adapters/aws/sts-caller-identity.ts";
import { log } from "../adapters/http/logger.ts";
import { readInstanceProofConfig } from "../config.ts";
import { HeartbeatKeyCache } from "../use-cases/instances/heartbeat-key.ts";
import type { BootstrapPorts } from "../use-cases/instances/ports.ts";
import { priceCache, pricePorts } from "./prices.ts";
import { annexRepository, configStore, instanceRepository } from "./storage.ts";

export const bootstrapPorts: BootstrapPorts = {
  proof: readInstanceProofConfig(),
  sts: new StsCallerIdentity(),
  annexes: annexRepository,
  instances: instanceRepository,
  ec2: new AwsEc2Instances(ec2),
  store: configStore,
  heartbeatKey: new HeartbeatKeyCache(configStore),
  prices: pricePorts(new AwsSpotPrices(ec2)),
  watch: priceCache,
  log,
};
