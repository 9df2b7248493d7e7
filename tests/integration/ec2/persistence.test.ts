import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSpotFleetRequestsCommand,
  DescribeSpotPriceHistoryCommand,
  RequestSpotFleetCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../local/clock.ts";
import { startEc2 } from "./server.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("state directory", () => {
  it("keeps instances, groups, fleets, pending transitions and the identity key across restarts", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ec2-state-"));
    dirs.push(dataDir);
    const delays = { pendingMs: 1000, shuttingDownMs: 1000 };
    const first = await startEc2({ dataDir, delays });
    const ec2 = first.client();
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: "ami-12345678",
        MinCount: 2,
        MaxCount: 2,
        ClientToken: "persist",
      }),
    );
    await ec2.send(new CreateSecurityGroupCommand({ GroupName: "kept", Description: "x" }));
    const fleet = await ec2.send(
      new RequestSpotFleetCommand({
        SpotFleetRequestConfig: {
          IamFleetRole: "arn:aws:iam::000000000000:role/fleet",
          TargetCapacity: 1,
          ValidUntil: new Date(first.clock.now() + 10_000),
          TerminateInstancesWithExpiration: true,
          LaunchSpecifications: [{ ImageId: "ami-12345678", InstanceType: "t3.micro" }],
        },
      }),
    );
    const certificate = first.emulator.identityCertificatePem;
    const savedAt = first.clock.now();
    await first.stop();
    expect(existsSync(join(dataDir, "ec2", "ec2-state.json"))).toBe(true);

    const second = await startEc2({ dataDir, delays, clock: new ManualClock(savedAt) });
    const again = second.client();
    expect(second.emulator.identityCertificatePem).toBe(certificate);
    const ids = (run.Instances ?? []).map((i) => i.InstanceId ?? "");
    const described = await again.send(new DescribeInstancesCommand({ InstanceIds: ids }));
    expect(described.Reservations?.[0]?.Instances?.map((i) => i.State?.Name)).toEqual([
      "pending",
      "pending",
    ]);
    second.clock.advance(1000);
    expect(second.emulator.control.instance(ids[0] ?? "")?.state).toBe("running");
    const replay = await again.send(
      new RunInstancesCommand({
        ImageId: "ami-12345678",
        MinCount: 2,
        MaxCount: 2,
        ClientToken: "persist",
      }),
    );
    expect(replay.ReservationId).toBe(run.ReservationId);
    expect(
      (await again.send(new DescribeSecurityGroupsCommand({ GroupNames: ["kept"] })))
        .SecurityGroups,
    ).toHaveLength(1);
    second.clock.advance(10_000);
    const expired = await again.send(
      new DescribeSpotFleetRequestsCommand({
        SpotFleetRequestIds: [fleet.SpotFleetRequestId ?? ""],
      }),
    );
    expect(expired.SpotFleetRequestConfigs?.[0]?.SpotFleetRequestState).toBe("cancelled");
    await second.stop();
  });

  it("keeps spot price history, pinned prices, image architectures and rebalance notices", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ec2-market-"));
    dirs.push(dataDir);
    const first = await startEc2({ dataDir });
    const origin = first.clock.now();
    first.clock.advance(60_000);
    first.emulator.control.setSpotPrice("m5.large", 0.05, { availabilityZone: "us-east-1a" });
    first.emulator.control.setOnDemandPrice("m5.large", 0.08);
    first.emulator.control.setImageArchitecture("ami-0ccccccccccccccc3", "arm64");
    const spot = await first.client().send(
      new RunInstancesCommand({
        ImageId: "ami-12345678",
        MinCount: 1,
        MaxCount: 1,
        InstanceMarketOptions: { MarketType: "spot" },
      }),
    );
    const id = spot.Instances?.[0]?.InstanceId ?? "";
    first.emulator.control.recommendRebalance(id);
    const savedAt = first.clock.now();
    await first.stop();

    const second = await startEc2({ dataDir, clock: new ManualClock(savedAt + 1000) });
    const history = await second.client().send(
      new DescribeSpotPriceHistoryCommand({
        InstanceTypes: ["m5.large"],
        AvailabilityZone: "us-east-1a",
        ProductDescriptions: ["Linux/UNIX"],
        StartTime: new Date(origin),
      }),
    );
    expect(history.SpotPriceHistory?.map((p) => [p.SpotPrice, p.Timestamp?.getTime()])).toEqual([
      ["0.050000", origin + 60_000],
      [expect.any(String), origin],
    ]);
    expect(second.emulator.control.onDemandPrice("m5.large")).toBe(0.08);
    await expect(
      second.client().send(
        new RunInstancesCommand({
          ImageId: "ami-0ccccccccccccccc3",
          InstanceType: "c5.large",
          MinCount: 1,
          MaxCount: 1,
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterValue" });
    expect(second.emulator.control.instance(id)?.rebalanceRecommendation?.noticeTime).toBe(
      new Date(savedAt).toISOString(),
    );
    await second.stop();
  });
});
