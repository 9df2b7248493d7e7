/** Instant EC2 Fleets for fleet annexes: CreateFleet with a client token, found by tag, deleted with their instances. */

import {
  CreateFleetCommand,
  DeleteFleetsCommand,
  DescribeTagsCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { chunks } from "../../domain/lists.ts";
import { ANNEX_TAG_KEYS } from "../../domain/tags.ts";
import type { Ec2Fleets, FleetLaunchRequest, FleetLaunchResult } from "../../ports/ec2-fleets.ts";
import { translateLaunchError } from "./ec2-errors.ts";
import { errorsOf, instancesOf, override } from "./ec2-fleet-shapes.ts";

/** DeleteFleets takes at most 100 ids per call (and terminates up to 1000 instances of instant fleets). */
const FLEETS_PER_CALL = 25;
/** DeleteFleets per-fleet errors that mean "nothing left to delete". */
const GONE = new Set(["fleetIdDoesNotExist", "fleetNotInDeletableState"]);

/** EC2 Fleets over the SDK. */
export class AwsEc2Fleets implements Ec2Fleets {
  constructor(private readonly ec2: EC2Client) {}

  /** One instant fleet on one market: price-capacity-optimized for spot, lowest-price on demand. */
  async launch(request: FleetLaunchRequest): Promise<FleetLaunchResult> {
    const spot = request.market === "spot";
    try {
      const answer = await this.ec2.send(
        new CreateFleetCommand({
          Type: "instant",
          ClientToken: request.clientToken,
          LaunchTemplateConfigs: [
            {
              LaunchTemplateSpecification: {
                LaunchTemplateId: request.launchTemplateId,
                Version: "$Latest",
              },
              Overrides: request.overrides.map(override),
            },
          ],
          TargetCapacitySpecification: {
            TotalTargetCapacity: request.targetCapacity,
            SpotTargetCapacity: spot ? request.targetCapacity : 0,
            OnDemandTargetCapacity: spot ? 0 : request.targetCapacity,
            DefaultTargetCapacityType: request.market,
            ...(request.unit === "vcpu" ? { TargetCapacityUnitType: "vcpu" } : {}),
          },
          SpotOptions: { AllocationStrategy: "price-capacity-optimized" },
          OnDemandOptions: { AllocationStrategy: "lowest-price" },
          TagSpecifications: [
            { ResourceType: "fleet", Tags: request.fleetTags },
            { ResourceType: "instance", Tags: request.instanceTags },
          ],
        }),
      );
      if (!answer.FleetId) throw new Error("CreateFleet answered no fleet id");
      return {
        fleetId: answer.FleetId,
        instances: instancesOf(answer.Instances ?? []),
        errors: errorsOf(answer.Errors ?? []),
      };
    } catch (error) {
      throw translateLaunchError(error);
    }
  }

  /** The fleets tagged `annex:id` = `annexId` (DescribeTags, every page). */
  async findByAnnex(annexId: string): Promise<string[]> {
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.ec2.send(
        new DescribeTagsCommand({
          Filters: [
            { Name: "resource-type", Values: ["fleet"] },
            { Name: "key", Values: [ANNEX_TAG_KEYS.id] },
            { Name: "value", Values: [annexId] },
          ],
          MaxResults: 1000,
          NextToken: token,
        }),
      );
      ids.push(...(page.Tags ?? []).flatMap((tag) => tag.ResourceId ?? []));
      token = page.NextToken;
    } while (token);
    return [...new Set(ids)];
  }

  /** Deletes the fleets, terminating their instances (instant fleets allow nothing else). */
  async delete(fleetIds: readonly string[]): Promise<void> {
    for (const batch of chunks([...new Set(fleetIds)], FLEETS_PER_CALL)) {
      const answer = await this.ec2.send(
        new DeleteFleetsCommand({ FleetIds: batch, TerminateInstances: true }),
      );
      for (const failed of answer.UnsuccessfulFleetDeletions ?? []) {
        const code = failed.Error?.Code ?? "";
        if (!GONE.has(code))
          throw new Error(`DeleteFleets ${failed.FleetId}: ${code} ${failed.Error?.Message ?? ""}`);
      }
    }
  }
}
