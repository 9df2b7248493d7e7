/** The spot fleet adapter: what counts as "nothing left to cancel", with the SDK client mocked. */

import {
  CancelSpotFleetRequestsCommand,
  EC2Client,
  EC2ServiceException,
  RequestSpotFleetCommand,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { AwsSpotFleets } from "../../../shared/adapters/aws/ec2-spot-fleets.ts";
import { CapacityError } from "../../../shared/domain/launch-errors.ts";

const ec2Mock = mockClient(EC2Client);
const fleets = () => new AwsSpotFleets(new EC2Client({ region: "us-east-1" }));
const FLEET = "sfr-0123456789abcdef0";

afterEach(() => {
  ec2Mock.reset();
});

describe("spot fleet adapter", () => {
  it("treats a fleet EC2 no longer knows as cancelled", async () => {
    ec2Mock.on(CancelSpotFleetRequestsCommand).resolves({
      UnsuccessfulFleetRequests: [
        { SpotFleetRequestId: FLEET, Error: { Code: "fleetRequestIdDoesNotExist", Message: "" } },
      ],
    });
    await expect(fleets().cancel(FLEET)).resolves.toBeUndefined();
  });

  it("throws when EC2 could not cancel the fleet for another reason", async () => {
    ec2Mock.on(CancelSpotFleetRequestsCommand).resolves({
      UnsuccessfulFleetRequests: [
        { SpotFleetRequestId: FLEET, Error: { Code: "unexpectedError", Message: "try again" } },
      ],
    });
    await expect(fleets().cancel(FLEET)).rejects.toThrow(/unexpectedError/);
  });

  it("cancels with termination of the fleet's instances", async () => {
    ec2Mock.on(CancelSpotFleetRequestsCommand).resolves({});
    await fleets().cancel(FLEET);
    const input = ec2Mock.commandCalls(CancelSpotFleetRequestsCommand)[0]?.args[0].input;
    expect(input).toEqual({ SpotFleetRequestIds: [FLEET], TerminateInstances: true });
  });

  it("turns no capacity for the fleet into CapacityError", async () => {
    ec2Mock.on(RequestSpotFleetCommand).rejects(
      new EC2ServiceException({
        name: "InsufficientInstanceCapacity",
        message: "no capacity",
        $fault: "client",
        $metadata: {},
      }),
    );
    await expect(fleets().request({ TargetCapacity: 1 }, "token")).rejects.toBeInstanceOf(
      CapacityError,
    );
  });
});
