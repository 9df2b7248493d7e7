/** Setup and check-setup: the stack's names, the config store, the deployment's reads, the EC2 network. */

import { AwsDeployment } from "../adapters/aws/deployment.ts";
import { dynamoDb } from "../adapters/aws/dynamodb-client.ts";
import { ec2 } from "../adapters/aws/ec2-client.ts";
import { AwsEc2Network } from "../adapters/aws/ec2-network.ts";
import { getOptionalStringFromEnv, getStringFromEnv, readInstanceProofConfig } from "../config.ts";
import { parseAdmins } from "../domain/admins.ts";
import type { StackNames } from "../ports/deployment.ts";
import type { SetupPorts } from "../use-cases/setup/setup-components.ts";
import { configStore } from "./storage.ts";

const stage = getStringFromEnv("ANNEX_STAGE");
const prefix = getStringFromEnv("ANNEX_FUNCTION_PREFIX");

/** Names of the stack's resources, from the environment serverless.yml (or the local stack) sets. */
const names: StackNames = {
  table: getStringFromEnv("ANNEX_TABLE"),
  functions: getStringFromEnv("ANNEX_FUNCTIONS")
    .split(",")
    .map((name) => `${prefix}${name}`),
  instanceProfile: getStringFromEnv("ANNEX_INSTANCE_PROFILE"),
  securityGroup: `cloud-annex-${stage}-instances`,
  keyPair: `cloud-annex-${stage}`,
};

export const setupPorts: SetupPorts = {
  names,
  store: configStore,
  admins: parseAdmins(getOptionalStringFromEnv("ANNEX_ADMINS")),
  instanceProof: readInstanceProofConfig(),
  deployment: new AwsDeployment(dynamoDb),
  network: new AwsEc2Network(ec2),
  clock: () => Date.now(),
};
