/** The bootstrap function: the identity verifier, storage, and EC2 (to read the instance's tags). */

import { ec2 } from "../adapters/aws/ec2-client.ts";
import { AwsEc2Instances } from "../adapters/aws/ec2-instances.ts";
import { identityVerifier } from "../adapters/aws/identity-verifier.ts";
import { log } from "../adapters/http/logger.ts";
import { getOptionalStringFromEnv, getStringFromEnv } from "../config.ts";
import type { BootstrapPorts } from "../use-cases/instances/ports.ts";
import { annexRepository, configStore, instanceRepository } from "./storage.ts";

export const bootstrapPorts: BootstrapPorts = {
  // Without the region's certificate nothing verifies: every bootstrap is refused (403).
  verifier: identityVerifier(getOptionalStringFromEnv("ANNEX_IDENTITY_CERT")),
  accountId: getStringFromEnv("ANNEX_ACCOUNT_ID"),
  annexes: annexRepository,
  instances: instanceRepository,
  ec2: new AwsEc2Instances(ec2),
  store: configStore,
  log,
};
