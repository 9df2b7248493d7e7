/** Creates instance records from a resolved launch specification (RunInstances, Spot Fleet, EC2 Fleet). */

import { instanceTypes } from "../pricing.ts";
import type { Ec2Context } from "./context.ts";
import { nextSeq } from "./context.ts";
import { newId, newSpotRequestId } from "./ids.ts";
import { setState } from "./lifecycle.ts";
import { allocateAddresses } from "./network.ts";
import type { InstanceRecord, MetadataSettings, SubnetRecord, TagPair } from "./state.ts";

export interface LaunchSpec {
  imageId: string;
  instanceType: string;
  keyName?: string;
  subnet: SubnetRecord;
  groupIds: string[];
  userData?: string;
  iamInstanceProfile?: { arn: string; id: string };
  instanceTags: TagPair[];
  volumeTags: TagPair[];
  shutdownBehavior: "stop" | "terminate";
  metadata: MetadataSettings;
  lifecycle?: "spot";
  fleetId?: string;
  clientToken?: string;
}

/** Launches `count` instances into one reservation; each starts `pending` at `at`. */
export function launch(
  ctx: Ec2Context,
  spec: LaunchSpec,
  count: number,
  reservationId: string,
  at: number,
): InstanceRecord[] {
  const addresses = allocateAddresses(ctx, spec.subnet, count);
  const instances = addresses.map((privateIp, index) =>
    build(ctx, spec, reservationId, index, privateIp, at),
  );
  for (const instance of instances) {
    ctx.state.instances[instance.id] = instance;
    setState(ctx, instance, "pending", at);
  }
  return instances;
}

function build(
  ctx: Ec2Context,
  spec: LaunchSpec,
  reservationId: string,
  index: number,
  privateIp: string,
  at: number,
): InstanceRecord {
  const id = newId("i");
  const fleetTag: TagPair[] = spec.fleetId?.startsWith("sfr-")
    ? [{ Key: "aws:ec2spot:fleet-request-id", Value: spec.fleetId }]
    : spec.fleetId
      ? [{ Key: "aws:ec2:fleet-id", Value: spec.fleetId }]
      : [];
  return {
    id,
    seq: nextSeq(ctx),
    reservationId,
    amiLaunchIndex: index,
    imageId: spec.imageId,
    instanceType: spec.instanceType,
    architecture: instanceTypes.get(spec.instanceType)?.architecture ?? "x86_64",
    keyName: spec.keyName,
    state: "pending",
    launchTime: at,
    visibleAt: at + ctx.faults.settings.visibilityDelayMs,
    stateTransitionReason: "",
    availabilityZone: spec.subnet.availabilityZone,
    subnetId: spec.subnet.id,
    vpcId: spec.subnet.vpcId,
    privateIp,
    groupIds: [...spec.groupIds],
    tags: [...spec.instanceTags, ...fleetTag],
    volume: { id: newId("vol"), tags: [...spec.volumeTags], sizeGiB: 8 },
    userData: spec.userData,
    iamInstanceProfile: spec.iamInstanceProfile,
    clientToken: spec.clientToken,
    shutdownBehavior: spec.shutdownBehavior,
    lifecycle: spec.lifecycle,
    spotRequestId: spec.lifecycle === "spot" ? newSpotRequestId() : undefined,
    fleetId: spec.fleetId,
    metadata: { ...spec.metadata },
  };
}

/** Whether Describe* and id lookups can see the instance yet (eventual consistency). */
export const isVisible = (instance: InstanceRecord, now: number): boolean =>
  instance.visibleAt <= now;
