/** The EC2 Fleet, launch template and catalog adapters: EC2's odd answers, with the SDK client mocked. */

import {
  CreateFleetCommand,
  CreateLaunchTemplateCommand,
  DeleteFleetsCommand,
  DeleteLaunchTemplateCommand,
  DescribeInstanceTypesCommand,
  DescribeLaunchTemplatesCommand,
  EC2Client,
  EC2ServiceException,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { AwsEc2Catalog } from "../../../shared/adapters/aws/ec2-catalog.ts";
import { AwsEc2Fleets } from "../../../shared/adapters/aws/ec2-fleets.ts";
import { AwsLaunchTemplates } from "../../../shared/adapters/aws/ec2-launch-templates.ts";
import {
  CapacityError,
  Ec2UnavailableError,
  UnknownInstanceTypesError,
} from "../../../shared/domain/launch-errors.ts";

const ec2Mock = mockClient(EC2Client);
const client = () => new EC2Client({ region: "us-east-1" });
const error = (name: string, message = name, fault: "client" | "server" = "client") =>
  new EC2ServiceException({ name, message, $fault: fault, $metadata: {} });
const FLEET = "fleet-0123abcd-0123-0123-0123-0123456789ab";

afterEach(() => {
  ec2Mock.reset();
});

const launchRequest = {
  clientToken: "Big.01ANNEX",
  launchTemplateId: "lt-0123456789abcdef0",
  market: "spot" as const,
  targetCapacity: 4,
  unit: "units" as const,
  overrides: [{ subnetId: "subnet-a", instanceType: "c5.large", weight: 2 }],
  fleetTags: [{ Key: "annex:id", Value: "01ANNEX" }],
  instanceTags: [{ Key: "annex:lease-expires", Value: "2026-11-25T22:00:00Z" }],
};

describe("EC2 Fleet adapter", () => {
  it("asks one instant spot fleet, price-capacity-optimized, and reads instances and errors per pool", async () => {
    ec2Mock.on(CreateFleetCommand).resolves({
      FleetId: FLEET,
      Instances: [
        {
          InstanceIds: ["i-0000000000000000a"],
          InstanceType: "c5.large",
          Lifecycle: "spot",
          LaunchTemplateAndOverrides: {
            Overrides: { SubnetId: "subnet-a", InstanceType: "c5.large" },
          },
        },
      ],
      Errors: [
        {
          ErrorCode: "InsufficientInstanceCapacity",
          ErrorMessage: "There is no Spot capacity available that matches your request.",
          Lifecycle: "spot",
          LaunchTemplateAndOverrides: {
            Overrides: { SubnetId: "subnet-b", InstanceType: "m5.large" },
          },
        },
      ],
    });
    const result = await new AwsEc2Fleets(client()).launch(launchRequest);
    expect(result).toEqual({
      fleetId: FLEET,
      instances: [
        {
          instanceId: "i-0000000000000000a",
          instanceType: "c5.large",
          subnetId: "subnet-a",
          market: "spot",
        },
      ],
      errors: [
        {
          instanceType: "m5.large",
          subnetId: "subnet-b",
          market: "spot",
          code: "InsufficientInstanceCapacity",
          message: "There is no Spot capacity available that matches your request.",
        },
      ],
    });
    const input = ec2Mock.commandCalls(CreateFleetCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      Type: "instant",
      ClientToken: "Big.01ANNEX",
      TargetCapacitySpecification: {
        TotalTargetCapacity: 4,
        SpotTargetCapacity: 4,
        OnDemandTargetCapacity: 0,
        DefaultTargetCapacityType: "spot",
      },
      SpotOptions: { AllocationStrategy: "price-capacity-optimized" },
      TagSpecifications: [
        { ResourceType: "fleet", Tags: launchRequest.fleetTags },
        { ResourceType: "instance", Tags: launchRequest.instanceTags },
      ],
    });
    expect(input?.LaunchTemplateConfigs?.[0]?.Overrides).toEqual([
      { SubnetId: "subnet-a", InstanceType: "c5.large", WeightedCapacity: 2 },
    ]);
  });

  it("turns a whole fleet refused for capacity into CapacityError, and throttling into Ec2UnavailableError", async () => {
    ec2Mock.on(CreateFleetCommand).rejectsOnce(error("InsufficientInstanceCapacity"));
    await expect(new AwsEc2Fleets(client()).launch(launchRequest)).rejects.toBeInstanceOf(
      CapacityError,
    );
    ec2Mock.on(CreateFleetCommand).rejects(error("RequestLimitExceeded"));
    await expect(
      new AwsEc2Fleets(new EC2Client({ region: "us-east-1", maxAttempts: 1 })).launch(
        launchRequest,
      ),
    ).rejects.toBeInstanceOf(Ec2UnavailableError);
  });

  it("deletes fleets with their instances; one already gone is no error, any other failure is", async () => {
    ec2Mock.on(DeleteFleetsCommand).resolvesOnce({
      UnsuccessfulFleetDeletions: [
        { FleetId: FLEET, Error: { Code: "fleetIdDoesNotExist", Message: "" } },
      ],
    });
    await new AwsEc2Fleets(client()).delete([FLEET, FLEET]);
    expect(ec2Mock.commandCalls(DeleteFleetsCommand)[0]?.args[0].input).toEqual({
      FleetIds: [FLEET],
      TerminateInstances: true,
    });
    ec2Mock.on(DeleteFleetsCommand).resolves({
      UnsuccessfulFleetDeletions: [
        { FleetId: FLEET, Error: { Code: "unexpectedError", Message: "later" } },
      ],
    });
    await expect(new AwsEc2Fleets(client()).delete([FLEET])).rejects.toThrow(/unexpectedError/);
  });
});

describe("launch template adapter", () => {
  const request = {
    name: "cloud-annex-01ANNEX",
    imageId: "ami-0123456789abcdef0",
    userData: "#!/bin/bash\n",
    securityGroupIds: [],
    tags: [{ Key: "annex:id", Value: "01ANNEX" }],
  };

  it("answers the existing template's id when the name is taken (a replayed create)", async () => {
    ec2Mock
      .on(CreateLaunchTemplateCommand)
      .rejects(error("InvalidLaunchTemplateName.AlreadyExistsException"));
    ec2Mock.on(DescribeLaunchTemplatesCommand).resolves({
      LaunchTemplates: [
        { LaunchTemplateId: "lt-0123456789abcdef0", LaunchTemplateName: request.name },
      ],
    });
    await expect(new AwsLaunchTemplates(client()).ensure(request)).resolves.toBe(
      "lt-0123456789abcdef0",
    );
  });

  it("tags the template, its instances and volumes; terminates on power-off; IMDSv2 only", async () => {
    ec2Mock
      .on(CreateLaunchTemplateCommand)
      .resolves({ LaunchTemplate: { LaunchTemplateId: "lt-1" } });
    await new AwsLaunchTemplates(client()).ensure(request);
    const input = ec2Mock.commandCalls(CreateLaunchTemplateCommand)[0]?.args[0].input;
    expect(input?.TagSpecifications).toEqual([
      { ResourceType: "launch-template", Tags: request.tags },
    ]);
    expect(input?.LaunchTemplateData).toMatchObject({
      InstanceInitiatedShutdownBehavior: "terminate",
      MetadataOptions: { HttpTokens: "required" },
      UserData: Buffer.from(request.userData).toString("base64"),
      TagSpecifications: [
        { ResourceType: "instance", Tags: request.tags },
        { ResourceType: "volume", Tags: request.tags },
      ],
    });
  });

  it("deletes a template that is already gone without complaint", async () => {
    ec2Mock
      .on(DeleteLaunchTemplateCommand)
      .rejects(error("InvalidLaunchTemplateName.NotFoundException"));
    await expect(new AwsLaunchTemplates(client()).delete(request.name)).resolves.toBeUndefined();
  });
});

describe("catalog adapter", () => {
  it("names the instance types EC2 does not know", async () => {
    ec2Mock
      .on(DescribeInstanceTypesCommand)
      .rejects(
        error(
          "InvalidInstanceType",
          "The following supplied instance types do not exist: [c9.mega, x1.huge]",
        ),
      );
    const failure = await new AwsEc2Catalog(client())
      .instanceTypes(["c5.large", "c9.mega", "x1.huge"])
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UnknownInstanceTypesError);
    expect((failure as UnknownInstanceTypesError).instanceTypes).toEqual(["c9.mega", "x1.huge"]);
  });
});
