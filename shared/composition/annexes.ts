/** The annex life-cycle functions (create, list, status, reset, off): storage, EC2 instances, spot fleets and EC2 Fleets. */

import { AwsEc2Catalog } from "../adapters/aws/ec2-catalog.ts";
import { ec2 } from "../adapters/aws/ec2-client.ts";
import { AwsEc2Fleets } from "../adapters/aws/ec2-fleets.ts";
import { AwsEc2Instances } from "../adapters/aws/ec2-instances.ts";
import { AwsLaunchTemplates } from "../adapters/aws/ec2-launch-templates.ts";
import { AwsSpotFleets } from "../adapters/aws/ec2-spot-fleets.ts";
import { log } from "../adapters/http/logger.ts";
import { getStringFromEnv, readInstanceProofConfig } from "../config.ts";
import type { AnnexPorts } from "../use-cases/annexes/ports.ts";
import {
  annexRepository,
  capacityMemory,
  claimRepository,
  configStore,
  instanceRepository,
} from "./storage.ts";

export const annexPorts: AnnexPorts = {
  annexes: annexRepository,
  claims: claimRepository,
  instances: instanceRepository,
  store: configStore,
  ec2: new AwsEc2Instances(ec2),
  fleets: new AwsSpotFleets(ec2),
  catalog: new AwsEc2Catalog(ec2),
  launchTemplates: new AwsLaunchTemplates(ec2),
  ec2Fleets: new AwsEc2Fleets(ec2),
  capacityMemory,
  apiUrl: getStringFromEnv("ANNEX_API_URL"),
  instanceProof: readInstanceProofConfig(),
  instanceProfileName: getStringFromEnv("ANNEX_INSTANCE_PROFILE"),
  stage: getStringFromEnv("ANNEX_STAGE"),
  spotFleetRoleArn: getStringFromEnv("ANNEX_SPOT_FLEET_ROLE_ARN"),
  log,
};
