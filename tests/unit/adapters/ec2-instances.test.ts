/**
 * The EC2 adapter's translations of SDK errors into domain errors, for shapes the local AWS does
 * not produce (refusals, termination protection, throttling in the middle of a batch), with the
 * SDK client mocked by aws-sdk-client-mock.
 */

import {
  EC2Client,
  EC2ServiceException,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { AwsEc2Instances } from "../../../shared/adapters/aws/ec2-instances.ts";
import {
  CapacityError,
  Ec2UnavailableError,
  LaunchRejectedError,
  TerminateRefusedError,
  ThrottledError,
} from "../../../shared/domain/launch-errors.ts";

const ec2Mock = mockClient(EC2Client);
const adapter = () => new AwsEc2Instances(new EC2Client({ region: "us-east-1" }));

const ec2Error = (name: string, message: string, fault: "client" | "server" = "client") =>
  new EC2ServiceException({ name, message, $fault: fault, $metadata: { httpStatusCode: 400 } });

const ids = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => `i-${(from + i).toString(16).padStart(17, "0")}`);

const sentIds = () =>
  ec2Mock.commandCalls(TerminateInstancesCommand).map((call) => call.args[0].input.InstanceIds);

afterEach(() => {
  ec2Mock.reset();
});

describe("EC2 adapter: terminate", () => {
  it("skips the ids EC2 says it does not know and terminates the others", async () => {
    const [known, gone1, gone2] = ids(3);
    ec2Mock
      .on(TerminateInstancesCommand)
      .rejectsOnce(
        ec2Error(
          "InvalidInstanceID.NotFound",
          `The instance IDs '${gone1}, ${gone2}' do not exist`,
        ),
      )
      .resolves({});
    const calls = await adapter().terminate([known ?? "", gone1 ?? "", gone2 ?? ""]);
    expect(calls).toBe(2);
    expect(sentIds()).toEqual([[known, gone1, gone2], [known]]);
  });

  it("turns a refusal of the call (UnauthorizedOperation) into TerminateRefusedError, without EC2's encoded message", async () => {
    ec2Mock
      .on(TerminateInstancesCommand)
      .rejects(
        ec2Error(
          "UnauthorizedOperation",
          "You are not authorized to perform this operation. Encoded authorization failure message: SECRETPOLICYDETAILS",
        ),
      );
    const error = await adapter()
      .terminate(ids(2))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminateRefusedError);
    expect((error as Error).message).toBe(
      "EC2 refused to terminate the instances (UnauthorizedOperation)",
    );
    expect((error as TerminateRefusedError).status).toBe(502);
  });

  it("turns termination protection (OperationNotPermitted) into TerminateRefusedError", async () => {
    ec2Mock
      .on(TerminateInstancesCommand)
      .rejects(
        ec2Error(
          "OperationNotPermitted",
          "The instance 'i-0123' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.",
        ),
      );
    await expect(adapter().terminate(ids(1))).rejects.toBeInstanceOf(TerminateRefusedError);
  });

  it("sends the first thousand ids and throws ThrottledError when EC2 throttles the next batch", async () => {
    ec2Mock
      .on(TerminateInstancesCommand)
      .resolvesOnce({})
      .rejects(ec2Error("RequestLimitExceeded", "Request limit exceeded."));
    const error = await adapter()
      .terminate(ids(1500))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error).toBeInstanceOf(Ec2UnavailableError);
    expect(sentIds().map((batch) => batch?.length)).toEqual([1000, 500]);
  });

  it("leaves a server fault as the SDK threw it (the sweep retries it next tick)", async () => {
    const fault = ec2Error("InternalError", "An internal error has occurred", "server");
    ec2Mock.on(TerminateInstancesCommand).rejects(fault);
    await expect(adapter().terminate(ids(1))).rejects.toBe(fault);
  });
});

describe("EC2 adapter: launch", () => {
  const request = {
    clientToken: "web.01ANNEX",
    imageId: "ami-0123456789abcdef0",
    instanceType: "m5.large",
    count: 2,
    userData: "#!/bin/sh\n",
    securityGroupIds: [],
    tags: [{ Key: "annex:id", Value: "01ANNEX" }],
  };

  it.each([
    ["InsufficientInstanceCapacity", CapacityError, 503],
    ["InsufficientFreeAddressesInSubnet", CapacityError, 503],
    ["InsufficientAddressCapacity", CapacityError, 503],
    ["InsufficientVolumeCapacity", CapacityError, 503],
    ["InvalidAMIID.NotFound", LaunchRejectedError, 422],
    ["VcpuLimitExceeded", LaunchRejectedError, 422],
    ["MaxSpotInstanceCountExceeded", LaunchRejectedError, 422],
    ["PendingVerification", LaunchRejectedError, 422],
    ["RequestLimitExceeded", Ec2UnavailableError, 503],
  ] as const)("turns %s into %s (%i)", async (name, type, status) => {
    ec2Mock.on(RunInstancesCommand).rejects(ec2Error(name, `${name} happened`));
    const error = await adapter()
      .launch(request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as CapacityError).status).toBe(status);
    expect((error as Error).cause).toBeInstanceOf(EC2ServiceException);
  });

  it("sends the tags at launch on the instances and their volumes, with the client token", async () => {
    ec2Mock.on(RunInstancesCommand).resolves({ Instances: [] });
    await adapter().launch(request);
    const input = ec2Mock.commandCalls(RunInstancesCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      ClientToken: "web.01ANNEX",
      MinCount: 1,
      MaxCount: 2,
      InstanceInitiatedShutdownBehavior: "terminate",
      TagSpecifications: [
        { ResourceType: "instance", Tags: request.tags },
        { ResourceType: "volume", Tags: request.tags },
      ],
    });
  });
});
