/** EC2 Spot Fleet requests for spot-fleet annexes: request with a client token, cancel with termination. */

import {
  CancelSpotFleetRequestsCommand,
  type EC2Client,
  RequestSpotFleetCommand,
  type SpotFleetRequestConfigData,
} from "@aws-sdk/client-ec2";
import type { SpotFleets } from "../../ports/ec2.ts";
import { translateLaunchError } from "./ec2-errors.ts";
import { errorName } from "./sdk-errors.ts";

/** Cancellation errors that mean "nothing left to cancel". */
const GONE = new Set([
  "fleetRequestIdDoesNotExist",
  "fleetRequestNotInCancellableState",
  "InvalidSpotFleetRequestId.NotFound",
]);

/** Spot Fleet requests over the SDK. */
export class AwsSpotFleets implements SpotFleets {
  constructor(private readonly ec2: EC2Client) {}

  /**
   * Requests the fleet (`config` is SpotFleetRequestConfigData, built from the user's JSON);
   * a replay of `clientToken` with the same config returns the same fleet id.
   */
  async request(config: Record<string, unknown>, clientToken: string): Promise<string> {
    const data = { ...config, ClientToken: clientToken } as unknown as SpotFleetRequestConfigData;
    try {
      const result = await this.ec2.send(
        new RequestSpotFleetCommand({ SpotFleetRequestConfig: data }),
      );
      if (!result.SpotFleetRequestId) throw new Error("RequestSpotFleet answered no fleet id");
      return result.SpotFleetRequestId;
    } catch (error) {
      throw translateLaunchError(error);
    }
  }

  /** Cancels the fleet and terminates its instances; an unknown or already-cancelled fleet is not an error. */
  async cancel(fleetId: string): Promise<void> {
    let result: Awaited<ReturnType<typeof this.send>>;
    try {
      result = await this.send(fleetId);
    } catch (error) {
      if (GONE.has(errorName(error))) return;
      throw error;
    }
    for (const failed of result.UnsuccessfulFleetRequests ?? []) {
      const code = failed.Error?.Code ?? "";
      if (!GONE.has(code))
        throw new Error(
          `CancelSpotFleetRequests ${fleetId}: ${code} ${failed.Error?.Message ?? ""}`,
        );
    }
  }

  private send(fleetId: string) {
    return this.ec2.send(
      new CancelSpotFleetRequestsCommand({
        SpotFleetRequestIds: [fleetId],
        TerminateInstances: true,
      }),
    );
  }
}
