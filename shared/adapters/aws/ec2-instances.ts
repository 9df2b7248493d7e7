/** EC2 instances for annexes: launch with tags and a client token, find by exact tag, terminate in batches. */

import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  type EC2Client,
  type Filter,
  type Instance,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  CapacityError,
  Ec2UnavailableError,
  LaunchRejectedError,
} from "../../domain/launch-errors.ts";

/** What the product needs to know of an EC2 instance. */
export interface Ec2Instance {
  id: string;
  type: string;
  state: string;
  launchedAt: number;
  tags: Record<string, string>;
}

export interface LaunchRequest {
  clientToken: string;
  imageId: string;
  instanceType: string;
  count: number;
  userData: string;
  securityGroupIds: string[];
  keyName?: string;
  instanceProfileName?: string;
  tags: Array<{ Key: string; Value: string }>;
}

const TERMINATE_BATCH = 1000;
const REJECTED =
  /^(Invalid|Unsupported|VcpuLimitExceeded|InstanceLimitExceeded|MissingParameter|Unauthorized)/;

export const toEc2Instance = (instance: Instance): Ec2Instance => ({
  id: instance.InstanceId ?? "",
  type: instance.InstanceType ?? "",
  state: instance.State?.Name ?? "unknown",
  launchedAt: Math.floor((instance.LaunchTime?.getTime() ?? 0) / 1000),
  tags: Object.fromEntries((instance.Tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""])),
});

/** EC2 as the annex service uses it. */
export class Ec2Instances {
  constructor(private readonly ec2: EC2Client) {}

  /** Launches up to `count` instances (at least one), tagged at launch; a replay of the token returns the same ones. */
  async launch(request: LaunchRequest): Promise<Ec2Instance[]> {
    const tags = request.tags;
    try {
      const result = await this.ec2.send(
        new RunInstancesCommand({
          ClientToken: request.clientToken,
          ImageId: request.imageId,
          InstanceType: request.instanceType as never,
          MinCount: 1,
          MaxCount: request.count,
          UserData: Buffer.from(request.userData, "utf8").toString("base64"),
          SecurityGroupIds:
            request.securityGroupIds.length > 0 ? request.securityGroupIds : undefined,
          KeyName: request.keyName,
          IamInstanceProfile: request.instanceProfileName
            ? { Name: request.instanceProfileName }
            : undefined,
          InstanceInitiatedShutdownBehavior: "terminate",
          MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled" },
          TagSpecifications: [
            { ResourceType: "instance", Tags: tags },
            { ResourceType: "volume", Tags: tags },
          ],
        }),
      );
      return (result.Instances ?? []).map(toEc2Instance);
    } catch (error) {
      throw translateLaunchError(error);
    }
  }

  /** Every instance tagged `annex:id` = `annexId` (exact match), in all states, read in pages. */
  findByAnnex(annexId: string): Promise<Ec2Instance[]> {
    return this.describe([{ Name: "tag:annex:id", Values: [annexId] }]);
  }

  /** Every instance tagged `annex:owner` = `owner` (exact match), in all states, read in pages. */
  findByOwner(owner: string): Promise<Ec2Instance[]> {
    return this.describe([{ Name: "tag:annex:owner", Values: [owner] }]);
  }

  /** Instances carrying an `annex:id` tag in the given states (the orphan sweep), read in pages. */
  findTagged(states: string[], extra: Filter[] = []): Promise<Ec2Instance[]> {
    return this.describe([
      { Name: "tag-key", Values: ["annex:id"] },
      { Name: "instance-state-name", Values: states },
      ...extra,
    ]);
  }

  /** Terminates instances in batches of ≤ 1000; ids EC2 no longer knows are skipped, not fatal. */
  async terminate(instanceIds: string[]): Promise<number> {
    let calls = 0;
    for (let i = 0; i < instanceIds.length; i += TERMINATE_BATCH) {
      let batch = instanceIds.slice(i, i + TERMINATE_BATCH);
      while (batch.length > 0) {
        calls += 1;
        try {
          await this.ec2.send(new TerminateInstancesCommand({ InstanceIds: batch }));
          break;
        } catch (error) {
          const unknown = unknownIds(error);
          if (unknown.length === 0) throw error;
          batch = batch.filter((id) => !unknown.includes(id));
        }
      }
    }
    return calls;
  }

  /** Sets tags on instances (e.g. the new `annex:lease-expires`). */
  async tag(instanceIds: string[], tags: Array<{ Key: string; Value: string }>): Promise<void> {
    for (let i = 0; i < instanceIds.length; i += TERMINATE_BATCH) {
      await this.ec2.send(
        new CreateTagsCommand({
          Resources: instanceIds.slice(i, i + TERMINATE_BATCH),
          Tags: tags,
        }),
      );
    }
  }

  /** The instances with these ids (unknown ids are left out). */
  async byIds(instanceIds: string[]): Promise<Ec2Instance[]> {
    if (instanceIds.length === 0) return [];
    return this.describe([{ Name: "instance-id", Values: instanceIds }]);
  }

  private async describe(filters: Filter[]): Promise<Ec2Instance[]> {
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

/** EC2's launch errors in the domain's terms: capacity, rejected parameters, throttling/5xx. */
export function translateLaunchError(error: unknown): unknown {
  const name = (error as { name?: string }).name ?? "";
  const message = (error as { message?: string }).message ?? "";
  if (name === "InsufficientInstanceCapacity")
    return new CapacityError(`EC2 has no capacity now: ${message}`, { cause: error });
  if (REJECTED.test(name))
    return new LaunchRejectedError(`EC2 refused the launch (${name}): ${message}`, {
      cause: error,
    });
  const fault = (error as { $fault?: string }).$fault;
  if (fault === "server" || name === "RequestLimitExceeded")
    return new Ec2UnavailableError(name, { cause: error });
  return error;
}

function unknownIds(error: unknown): string[] {
  if ((error as { name?: string }).name !== "InvalidInstanceID.NotFound") return [];
  return ((error as { message?: string }).message ?? "").match(/i-[0-9a-f]+/g) ?? [];
}
