/**
 * The composition root: each adapter built once per Lambda container, on first use, from the
 * environment. Handlers take what they need from here and hand it to their use-case.
 */

import { InvalidUserDataError, renderUserData } from "../instance/user-data.ts";
import { AnnexRepository } from "./adapters/aws/annex-repository.ts";
import { dynamoDb, ec2, ec2ForSweeps, s3 } from "./adapters/aws/clients.ts";
import { ConfigStore } from "./adapters/aws/config-store.ts";
import { deployment } from "./adapters/aws/deployment.ts";
import { Ec2Instances } from "./adapters/aws/ec2-instances.ts";
import { Ec2Network } from "./adapters/aws/ec2-network.ts";
import { Ec2SpotFleets } from "./adapters/aws/ec2-spot-fleets.ts";
import { identityVerifier } from "./adapters/aws/identity-verifier.ts";
import { InstanceRepository } from "./adapters/aws/instance-repository.ts";
import { logger } from "./adapters/http/logger.ts";
import { getStringFromEnv } from "./config.ts";
import { ValidationError } from "./domain/errors.ts";
import type { EnforcePorts } from "./enforcement/ports.ts";
import type { AnnexPorts } from "./use-cases/annexes/ports.ts";
import type { BootstrapPorts } from "./use-cases/instances/bootstrap-instance.ts";
import type { SetupPorts } from "./use-cases/setup/setup-components.ts";

const once = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
};

export const annexRepository = once(
  () => new AnnexRepository(dynamoDb, getStringFromEnv("ANNEX_TABLE")),
);
export const instanceRepository = once(
  () => new InstanceRepository(dynamoDb, getStringFromEnv("ANNEX_TABLE")),
);
export const configStore = once(() => new ConfigStore(s3, getStringFromEnv("ANNEX_BUCKET")));
export const ec2Instances = once(() => new Ec2Instances(ec2));

/** Names of the stack's resources, from the environment serverless.yml (or the local stack) sets. */
export const stackNames = once(() => {
  const stage = getStringFromEnv("ANNEX_STAGE");
  const prefix = getStringFromEnv("ANNEX_FUNCTION_PREFIX");
  return {
    table: getStringFromEnv("ANNEX_TABLE"),
    functions: getStringFromEnv("ANNEX_FUNCTIONS")
      .split(",")
      .map((name) => `${prefix}${name}`),
    instanceProfile: getStringFromEnv("ANNEX_INSTANCE_PROFILE"),
    securityGroup: `cloud-annex-${stage}-instances`,
    keyPair: `cloud-annex-${stage}`,
    apiUrl: getStringFromEnv("ANNEX_API_URL"),
  };
});

/** Everything setup and check-setup use. */
export const setupPorts = (): SetupPorts => ({
  names: stackNames(),
  store: configStore(),
  deployment,
  network: new Ec2Network(ec2),
  clock: () => Date.now(),
  memo: {},
});

/** Everything the annex lifecycle use-cases use. */
export const annexPorts = once(
  (): AnnexPorts => ({
    annexes: annexRepository(),
    instances: instanceRepository(),
    store: configStore(),
    ec2: ec2Instances(),
    fleets: new Ec2SpotFleets(ec2),
    instanceProfileName: getStringFromEnv("ANNEX_INSTANCE_PROFILE"),
    userData(userSupplied, bootGraceSeconds) {
      try {
        return renderUserData({
          apiUrl: stackNames().apiUrl,
          bootGraceSeconds,
          userData: userSupplied,
        });
      } catch (error) {
        if (error instanceof InvalidUserDataError) {
          throw new ValidationError([{ path: "userData", message: error.message }], {
            cause: error,
          });
        }
        throw error;
      }
    },
  }),
);

/** Everything bootstrap and heartbeat use. */
export const instancePorts = once(
  (): BootstrapPorts => ({
    verifier: identityVerifier(getStringFromEnv("ANNEX_IDENTITY_CERT")),
    accountId: getStringFromEnv("ANNEX_ACCOUNT_ID"),
    annexes: annexRepository(),
    instances: instanceRepository(),
    ec2: ec2Instances(),
    store: configStore(),
    logRefusal: (reason, instanceId) => logger.warn("bootstrap refused", { reason, instanceId }),
  }),
);

/** Everything the enforcer and the EC2 event handler use. */
export const enforcePorts = once(
  (): EnforcePorts => ({
    annexes: annexRepository(),
    instances: instanceRepository(),
    store: configStore(),
    ec2: new Ec2Instances(ec2ForSweeps),
    fleets: new Ec2SpotFleets(ec2ForSweeps),
    warn: (message, fields) => logger.warn(message, fields),
  }),
);
