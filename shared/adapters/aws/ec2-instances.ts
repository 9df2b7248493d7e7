/** EC2 instances for annexes: launch with tags and a client token, find by exact tag, terminate in batches. */

import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  type EC2Client,
  type Instance,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { IDS_PER_CALL } from "../../domain/ec2.ts";
import { UnknownInstancesError } from "../../domain/launch-errors.ts";
import { chunks } from "../../domain/lists.ts";
import { ANNEX_TAG_FILTERS, ANNEX_TAG_KEYS, type Ec2Tag } from "../../domain/tags.ts";
import type { Ec2Filter, Ec2Instance, Ec2Instances, LaunchRequest } from "../../ports/ec2.ts";
import { translateLaunchError, translateTerminateError } from "./ec2-errors.ts";
import { launchData } from "./launch-data.ts";

const toEc2Instance = (instance: Instance): Ec2Instance => ({
  id: instance.InstanceId ?? "",
  type: instance.InstanceType ?? "",
  state: instance.State?.Name ?? "unknown",
  launchedAt: Math.floor((instance.LaunchTime?.getTime() ?? 0) / 1000),
  tags: Object.fromEntries((instance.Tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""])),
  ...(instance.IamInstanceProfile?.Arn
    ? { instanceProfileArn: instance.IamInstanceProfile.Arn }
    : {}),
  ...(instance.Placement?.AvailabilityZone
    ? { availabilityZone: instance.Placement.AvailabilityZone }
    : {}),
  market: instance.InstanceLifecycle === "spot" ? "spot" : "on-demand",
});

/** EC2 instances over the SDK. */
export class AwsEc2Instances implements Ec2Instances {
  constructor(private readonly ec2: EC2Client) {}

  /** Launches up to `count` instances (at least one), tagged at launch; a replay of the token returns the same ones. */
  async launch(request: LaunchRequest): Promise<Ec2Instance[]> {
    try {
      const result = await this.ec2.send(
        new RunInstancesCommand({
          ClientToken: request.clientToken,
          ...launchData(request),
          InstanceType: request.instanceType as never,
          MinCount: 1,
          MaxCount: request.count,
        }),
      );
      return (result.Instances ?? []).map(toEc2Instance);
    } catch (error) {
      throw translateLaunchError(error);
    }
  }

  /** Every instance tagged `annex:id` = `annexId` (exact match), in all states, read in pages. */
  findByAnnex(annexId: string): Promise<Ec2Instance[]> {
    return this.describe([{ Name: ANNEX_TAG_FILTERS.id, Values: [annexId] }]);
  }

  /** Every instance tagged `annex:owner` = `owner` (exact match), in all states, read in pages. */
  findByOwner(owner: string): Promise<Ec2Instance[]> {
    return this.describe([{ Name: ANNEX_TAG_FILTERS.owner, Values: [owner] }]);
  }

  /** Instances carrying an `annex:id` tag in the given states (the orphan sweep), read in pages. */
  findTagged(states: readonly string[], extra: Ec2Filter[] = []): Promise<Ec2Instance[]> {
    return this.describe([
      { Name: "tag-key", Values: [ANNEX_TAG_KEYS.id] },
      { Name: "instance-state-name", Values: [...states] },
      ...extra,
    ]);
  }

  /** Terminates instances in batches of ≤ 1000; ids EC2 no longer knows are skipped, not fatal. */
  async terminate(instanceIds: string[]): Promise<number> {
    let calls = 0;
    for (let batch of chunks(instanceIds, IDS_PER_CALL)) {
      while (batch.length > 0) {
        calls += 1;
        try {
          await this.ec2.send(new TerminateInstancesCommand({ InstanceIds: batch }));
          break;
        } catch (error) {
          const translated = translateTerminateError(error);
          if (!(translated instanceof UnknownInstancesError)) throw translated;
          batch = batch.filter((id) => !translated.instanceIds.includes(id));
        }
      }
    }
    return calls;
  }

  /** Sets tags on instances (e.g. the new `annex:lease-expires`). */
  async tag(instanceIds: string[], tags: Ec2Tag[]): Promise<void> {
    for (const batch of chunks(instanceIds, IDS_PER_CALL)) {
      await this.ec2.send(new CreateTagsCommand({ Resources: batch, Tags: tags }));
    }
  }

  /** The instances with these ids (unknown ids are left out). */
  async byIds(instanceIds: string[]): Promise<Ec2Instance[]> {
    if (instanceIds.length === 0) return [];
    return this.describe([{ Name: "instance-id", Values: instanceIds }]);
  }

  private async describe(filters: Ec2Filter[]): Promise<Ec2Instance[]> {
    const instances: Ec2Instance[] = [];
    let token: string | undefined;
    do {
      const page = await this.ec2.send(
        new DescribeInstancesCommand({ Filters: filters, MaxResults: 1000, NextToken: token }),
      );
      for (const reservation of page.Reservations ?? [])
        instances.push(...(reservation.Instances ?? []).map(toEc2Instance));
      token = page.NextToken;
    } while (token);
    return instances;
  }
}
