/** Every EC2 action the emulator answers, by name. */

import { createFleet } from "./create-fleet.ts";
import { describeInstances } from "./describe-instances.ts";
import { deleteFleets, describeFleetInstances, describeFleets } from "./fleet.ts";
import { describeInstanceAttribute, describeInstanceStatus } from "./instance-attributes.ts";
import {
  describeInstanceTypes,
  getInstanceTypesFromInstanceRequirements,
} from "./instance-types.ts";
import { createKeyPair, deleteKeyPair, describeKeyPairs } from "./key-pairs.ts";
import {
  createLaunchTemplate,
  deleteLaunchTemplate,
  describeLaunchTemplates,
} from "./launch-templates.ts";
import { describeAvailabilityZones, describeSubnets, describeVpcs } from "./network.ts";
import type { Operation } from "./operation.ts";
import { requestSpotFleet } from "./request-spot-fleet.ts";
import { runInstances } from "./run-instances.ts";
import {
  authorizeSecurityGroupIngress,
  revokeSecurityGroupIngress,
} from "./security-group-rules.ts";
import {
  createSecurityGroup,
  deleteSecurityGroup,
  describeSecurityGroups,
} from "./security-groups.ts";
import {
  cancelSpotFleetRequests,
  describeSpotFleetInstances,
  describeSpotFleetRequests,
} from "./spot-fleet.ts";
import { describeSpotPriceHistory } from "./spot-price.ts";
import { createTags, deleteTags, describeTags } from "./tags.ts";
import { terminateInstances } from "./terminate-instances.ts";

/** The implemented actions. */
export const operations: Readonly<Record<string, Operation>> = {
  RunInstances: runInstances,
  DescribeInstances: describeInstances,
  TerminateInstances: terminateInstances,
  DescribeInstanceAttribute: describeInstanceAttribute,
  DescribeInstanceStatus: describeInstanceStatus,
  DescribeInstanceTypes: describeInstanceTypes,
  GetInstanceTypesFromInstanceRequirements: getInstanceTypesFromInstanceRequirements,
  CreateTags: createTags,
  DeleteTags: deleteTags,
  DescribeTags: describeTags,
  DescribeVpcs: describeVpcs,
  DescribeSubnets: describeSubnets,
  DescribeAvailabilityZones: describeAvailabilityZones,
  CreateSecurityGroup: createSecurityGroup,
  DescribeSecurityGroups: describeSecurityGroups,
  DeleteSecurityGroup: deleteSecurityGroup,
  AuthorizeSecurityGroupIngress: authorizeSecurityGroupIngress,
  RevokeSecurityGroupIngress: revokeSecurityGroupIngress,
  CreateKeyPair: createKeyPair,
  DescribeKeyPairs: describeKeyPairs,
  DeleteKeyPair: deleteKeyPair,
  CreateLaunchTemplate: createLaunchTemplate,
  DescribeLaunchTemplates: describeLaunchTemplates,
  DeleteLaunchTemplate: deleteLaunchTemplate,
  RequestSpotFleet: requestSpotFleet,
  DescribeSpotFleetRequests: describeSpotFleetRequests,
  DescribeSpotFleetInstances: describeSpotFleetInstances,
  CancelSpotFleetRequests: cancelSpotFleetRequests,
  CreateFleet: createFleet,
  DescribeFleets: describeFleets,
  DescribeFleetInstances: describeFleetInstances,
  DeleteFleets: deleteFleets,
  DescribeSpotPriceHistory: describeSpotPriceHistory,
};
