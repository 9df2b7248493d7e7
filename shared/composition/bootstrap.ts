/** The bootstrap function: the identity verifier, storage, EC2 (to read the instance's tags) and prices (a new instance's spend). */

import { ec2 } from "../adapters/aws/ec2-client.ts";
import { AwsEc2Instances } from "../adapters/aws/ec2-instances.ts";
import { identityVerifier } from "../adapters/aws/identity-verifier.ts";
import { AwsSpotPrices } from "../adapters/aws/spot-prices.ts";
import { log } from "../adapters/http/logger.ts";
import { getOptionalStringFromEnv, getStringFromEnv } from "../config.ts";
import type { BootstrapPorts } from "../use-cases/instances/ports.ts";
import { priceCache, pricePorts } from "./prices.ts";
import { annexRepository, configStore, instanceRepository } from "./storage.ts";

export const bootstrapPorts: BootstrapPorts = {
  // Without the region's certificate nothing verifies: every bootstrap is refused (403).
  verifier: identityVerifier(getOptionalStringFromEnv("ANNEX_IDENTITY_CERT")),
  accountId: getStringFromEnv("ANNEX_ACCOUNT_ID"),
  annexes: annexRepository,
  instances: instanceRepository,
  ec2: new AwsEc2Instances(ec2),
  store: configStore,
  prices: pricePorts(new AwsSpotPrices(ec2)),
  watch: priceCache,
  log,
};
