/** Spot-fleet create requests for the tests. */

import { TEST_IMAGE } from "./stack.ts";

/** The console's JSON config: two weighted types (2 and 4 slots). */
export const FLEET_CONFIG = {
  IamFleetRole: "arn:aws:iam::000000000000:role/aws-ec2-spot-fleet-tagging-role",
  AllocationStrategy: "lowestPrice",
  TargetCapacity: 99,
  LaunchSpecifications: [
    { InstanceType: "m5.large", WeightedCapacity: 2 },
    { ImageId: TEST_IMAGE, InstanceType: "m5.xlarge", WeightedCapacity: 4 },
  ],
};

/** A valid spot-fleet create request (6 slots); override what a test is about. */
export const spotRequest = (name: string, overrides: Record<string, unknown> = {}) => ({
  name,
  kind: "spot-fleet",
  clientToken: `token-${name}-${Math.random().toString(36).slice(2)}`,
  slots: 6,
  owners: ["alice"],
  spotFleetConfig: FLEET_CONFIG,
  ...overrides,
});
