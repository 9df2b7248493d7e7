import { DescribeInstances$, RunInstances$ } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.ts";
import { wildcard } from "./core/filters.ts";
import { Scheduler } from "./core/scheduler.ts";
import { Faults } from "./faults.ts";
import { parseInput } from "./protocol/query.ts";

describe("wildcard", () => {
  it("matches * and ? and treats everything else literally", () => {
    expect(wildcard("annex-*").test("annex-42")).toBe(true);
    expect(wildcard("annex-?").test("annex-42")).toBe(false);
    expect(wildcard("a.b").test("axb")).toBe(false);
    expect(wildcard("a\\*").test("a*")).toBe(true);
    expect(wildcard("a\\*").test("ab")).toBe(false);
  });
});

describe("Scheduler", () => {
  it("runs due jobs in time order when a manual clock advances, including jobs they schedule", () => {
    const clock = new ManualClock(0);
    const ran: string[] = [];
    const scheduler: Scheduler = new Scheduler(clock, (key, at) => {
      ran.push(`${key}@${at}`);
      if (key === "a") scheduler.schedule(at + 5, "a2");
    });
    scheduler.schedule(30, "c");
    scheduler.schedule(10, "a");
    scheduler.schedule(20, "b");
    clock.advance(19);
    expect(ran).toEqual(["a@10", "a2@15"]);
    clock.advance(100);
    expect(ran).toEqual(["a@10", "a2@15", "b@20", "c@30"]);
    scheduler.close();
  });
});

describe("Faults token bucket", () => {
  it("refills at the configured rate on the emulator clock", () => {
    const clock = new ManualClock(0);
    const faults = new Faults(clock);
    faults.update({ throttling: { RunInstances: { burst: 2, refillPerSecond: 1 } } });
    faults.check("RunInstances");
    faults.check("RunInstances");
    expect(() => faults.check("RunInstances")).toThrow("Request limit exceeded.");
    faults.check("DescribeInstances");
    clock.advance(1000);
    faults.check("RunInstances");
    expect(() => faults.check("RunInstances")).toThrow();
  });

  it("publishes EC2's buckets when throttling is on", () => {
    const faults = new Faults(new ManualClock(0));
    faults.update({ throttling: true });
    for (let i = 0; i < 5; i++) faults.check("RunInstances");
    expect(() => faults.check("RunInstances")).toThrow();
    for (let i = 0; i < 50; i++) faults.check("CreateTags");
    expect(() => faults.check("CreateTags")).toThrow();
  });
});

describe("parseInput", () => {
  it("reads flattened lists and nested structures by their EC2 query names", () => {
    const input = parseInput(
      DescribeInstances$,
      new URLSearchParams(
        "Action=DescribeInstances&Filter.2.Name=b&Filter.1.Name=a&Filter.1.Value.1=x&Filter.1.Value.2=y&InstanceId.1=i-1&MaxResults=5",
      ),
    );
    expect(input).toEqual({
      Filters: [{ Name: "a", Values: ["x", "y"] }, { Name: "b" }],
      InstanceIds: ["i-1"],
      MaxResults: 5,
    });
  });

  it("uses xmlName-derived names (SecurityGroupId, TagSpecification) and types values", () => {
    const input = parseInput(
      RunInstances$,
      new URLSearchParams(
        "SecurityGroupId.1=sg-1&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=k&DisableApiTermination=false&MinCount=2",
      ),
    );
    expect(input).toEqual({
      SecurityGroupIds: ["sg-1"],
      TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "k" }] }],
      DisableApiTermination: false,
      MinCount: 2,
    });
  });
});
