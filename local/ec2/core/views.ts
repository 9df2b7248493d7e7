/** Stored records as the SDK shapes EC2 answers with. */

import type { Instance, Reservation } from "@aws-sdk/client-ec2";
import type { Ec2Context } from "./context.ts";
import { stateCodes } from "./lifecycle.ts";
import type { InstanceRecord } from "./state.ts";
import { sdkTags } from "./tags.ts";

const dnsName = (ip: string, region: string) =>
  `ip-${ip.replaceAll(".", "-")}.${region === "us-east-1" ? "ec2.internal" : `${region}.compute.internal`}`;

/** An instance as DescribeInstances / RunInstances show it. */
export function instanceView(ctx: Ec2Context, record: InstanceRecord): Instance {
  const terminated = record.state === "terminated";
  const groupName = (id: string) => ctx.state.securityGroups[id]?.name ?? id;
  return {
    InstanceId: record.id,
    ImageId: record.imageId,
    State: { Code: stateCodes[record.state], Name: record.state },
    PrivateDnsName: terminated ? "" : dnsName(record.privateIp, ctx.region),
    PublicDnsName: "",
    StateTransitionReason: record.stateTransitionReason,
    KeyName: record.keyName,
    AmiLaunchIndex: record.amiLaunchIndex,
    ProductCodes: [],
    InstanceType: record.instanceType as Instance["InstanceType"],
    LaunchTime: new Date(record.launchTime),
    Placement: { AvailabilityZone: record.availabilityZone, GroupName: "", Tenancy: "default" },
    Monitoring: { State: "disabled" },
    SubnetId: terminated ? undefined : record.subnetId,
    VpcId: terminated ? undefined : record.vpcId,
    PrivateIpAddress: terminated ? undefined : record.privateIp,
    Architecture: record.architecture as Instance["Architecture"],
    RootDeviceType: "ebs",
    RootDeviceName: "/dev/xvda",
    BlockDeviceMappings: terminated
      ? []
      : [
          {
            DeviceName: "/dev/xvda",
            Ebs: {
              VolumeId: record.volume.id,
              Status: "attached",
              AttachTime: new Date(record.launchTime),
              DeleteOnTermination: true,
            },
          },
        ],
    VirtualizationType: "hvm",
    ClientToken: record.clientToken ?? "",
    Tags: sdkTags(record.tags),
    SecurityGroups: terminated
      ? []
      : record.groupIds.map((id) => ({ GroupId: id, GroupName: groupName(id) })),
    SourceDestCheck: terminated ? undefined : true,
    Hypervisor: "xen",
    IamInstanceProfile: record.iamInstanceProfile
      ? { Arn: record.iamInstanceProfile.arn, Id: record.iamInstanceProfile.id }
      : undefined,
    InstanceLifecycle: record.lifecycle,
    SpotInstanceRequestId: record.spotRequestId,
    StateReason: record.stateReason
      ? { Code: record.stateReason.code, Message: record.stateReason.message }
      : undefined,
    EbsOptimized: false,
    EnaSupport: true,
    MetadataOptions: {
      State: "applied",
      HttpTokens: record.metadata.httpTokens,
      HttpEndpoint: record.metadata.httpEndpoint,
      HttpPutResponseHopLimit: record.metadata.hopLimit,
      InstanceMetadataTags: record.metadata.instanceTags,
    },
  };
}

/** Groups instances into their reservations, in first-seen order. */
export function reservationsOf(ctx: Ec2Context, records: InstanceRecord[]): Reservation[] {
  const byId = new Map<string, Reservation>();
  for (const record of records) {
    let reservation = byId.get(record.reservationId);
    if (!reservation) {
      reservation = {
        ReservationId: record.reservationId,
        OwnerId: ctx.accountId,
        Groups: [],
        Instances: [],
      };
      byId.set(record.reservationId, reservation);
    }
    reservation.Instances?.push(instanceView(ctx, record));
  }
  return [...byId.values()];
}

/** An instance as DescribeSpotFleetInstances and DescribeFleetInstances list it. */
export function activeInstanceView(record: InstanceRecord) {
  return {
    InstanceId: record.id,
    InstanceType: record.instanceType,
    SpotInstanceRequestId: record.spotRequestId,
    InstanceHealth: "healthy" as const,
  };
}
