/** `annex` with EC2 Fleet annexes, end to end: the binary against the local stack behind a proxy. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { LocalStack } from "../../../local/stack.ts";
import {
  type Backend,
  makeHome,
  type RecordingProxy,
  runAnnex,
  seedSetup,
  startBackend,
  startProxy,
} from "./harness.ts";

const TYPES = "c5.large,m5.large,c6i.xlarge";
const LEASE = "for 0.83 hours.  Each instance will terminate after being idle for 0.25 hours.";

let backend: Backend & { stack: LocalStack };
let proxy: RecordingProxy;
let home: ReturnType<typeof makeHome>;
const annex = (args: string[], input?: string) =>
  runAnnex(args, { url: proxy.url, home: home.home, input });
const sentBody = () => JSON.parse(proxy.seen("POST", "/annexes")[0]?.body ?? "{}");

beforeAll(async () => {
  backend = await startBackend();
  proxy = await startProxy(backend.url);
  home = makeHome();
  await seedSetup(backend.url);
});
afterAll(async () => {
  await proxy.stop();
  await backend.stop();
  home.cleanup();
});
beforeEach(() => {
  proxy.requests.length = 0;
});

describe("annex create for EC2 Fleet annexes", () => {
  it("asks for 100 cores on spot falling back to on-demand, starts them, and shows capacity by pool", async () => {
    const result = await annex(
      ["create", "Thousand", "-cores", "100", "-aws-instance-types", TYPES],
      "yes\n",
    );
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe(`Will request 100 cores (spot, falling back to on-demand) ${LEASE}`);
    expect(lines[1]).toBe(
      "They come from c5.large, m5.large or c6i.xlarge, the cheapest per core first, in every zone of the pool's VPC.",
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(sentBody()).toMatchObject({
      name: "Thousand",
      kind: "fleet",
      cores: 100,
      fleet: { instanceTypes: ["c5.large", "m5.large", "c6i.xlarge"] },
    });

    const status = await annex(["status", "Thousand"]);
    expect(status.code).toBe(0);
    const table = status.stdout.split("\n");
    const header = table.findIndex((line) => line.startsWith("FLEET"));
    expect(table[header]).toMatch(/^FLEET\s+TYPE\s+ZONE\s+MARKET\s+INSTANCES\s+CAPACITY$/);
    const [pool] = JSON.parse((await annex(["status", "Thousand", "--json"])).stdout).annex.fleet
      .pools;
    expect(table[header + 1]).toMatch(
      new RegExp(
        `^Thousand\\s+${pool.instanceType}\\s+${pool.availabilityZone}\\s+spot\\s+${pool.instances}\\s+100 cores$`,
      ),
    );
    expect(table[header + 2]).toMatch(/^Thousand\s+\(total\)\s+\d+\s+100 of 100 cores$/);
    expect((await annex(["off", "Thousand"])).code).toBe(0);
  });

  it("selects by vCPU and memory ranges with -aws-vcpus and -aws-memory-per-vcpu", async () => {
    const result = await annex([
      "-annex-name",
      "Ranges",
      "-cores",
      "16",
      "-aws-vcpus",
      "2-8",
      "-aws-memory-per-vcpu",
      "2-4",
      "-yes",
    ]);
    expect(result.stdout.split("\n")[1]).toBe(
      "They come from any type with 2–8 vCPUs with 2–4 GiB per vCPU, the cheapest per core first, in every zone of the pool's VPC.",
    );
    expect(result.code).toBe(0);
    expect(sentBody().fleet).toEqual({
      vcpus: { min: 2, max: 8 },
      memoryPerVcpuGiB: { min: 2, max: 4 },
    });
    await annex(["off", "Ranges"]);
  });

  it.each([
    [["-spot"], "spot only", { onDemandFallback: false }],
    [["-on-demand"], "on-demand", { spotPercent: 0 }],
    [
      ["-spot-percent", "60"],
      "60% spot, falling back to on-demand; 40% on-demand",
      { spotPercent: 60 },
    ],
    [
      ["-spot", "-replace-interrupted"],
      "spot only",
      { onDemandFallback: false, replaceInterrupted: true },
    ],
  ])("says and sends the markets of %j", async (flags, phrase, fleet) => {
    const result = await annex([
      "-annex-name",
      "Markets",
      "-count",
      "2",
      "-aws-instance-types",
      "c5.large",
      ...flags,
      "-yes",
    ]);
    expect(result.stdout.split("\n")[0]).toBe(`Will request 2 instances (${phrase}) ${LEASE}`);
    expect(result.code).toBe(0);
    expect(sentBody()).toMatchObject({ kind: "fleet", count: 2, fleet });
    await annex(["off", "Markets"]);
  });

  it("says, in the flag typed, a limit the pool enforces in instances", async () => {
    const result = await annex([
      "-annex-name",
      "TooMany",
      "-cores",
      "101",
      "-aws-instance-types",
      "c5.large",
      "-yes",
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toBe(
      "annex: -cores 101 vCPUs may take up to 51 instances; the pool allows at most 50\n",
    );
  });
});

describe("bad fleet command lines: one line on stderr, exit 2, nothing sent", () => {
  it.each([
    [["-cores", "10"], /-aws-instance-types T1,T2,… or -aws-vcpus MIN-MAX/],
    [
      ["-cores", "10", "-count", "2", "-aws-instance-types", "c5.large"],
      /-cores N \(vCPUs\) or -count N/,
    ],
    [["-cores", "10", "-aws-instance-types", "c5.large", "-aws-vcpus", "2-4"], /not both/],
    [["-cores", "10", "-aws-vcpus", "two"], /-aws-vcpus wants MIN-MAX vCPUs/],
    [["-cores", "10", "-aws-vcpus", "8-2"], /-aws-vcpus max must not be below min/],
    [
      ["-cores", "10", "-aws-instance-types", "c5.large", "-on-demand", "-spot"],
      /-on-demand contradicts/,
    ],
    [
      ["-cores", "10", "-aws-instance-types", "c5.large", "-spot-percent", "120"],
      /-spot-percent must be at most 100/,
    ],
    [
      ["-cores", "10", "-aws-instance-types", "c5.large", "-slots", "3"],
      /-slots is not for fleet annexes/,
    ],
    [
      ["-cores", "10", "-aws-instance-types", "c5.large", "-aws-memory-per-vcpu", "2-4"],
      /-aws-memory-per-vcpu is only for attribute-based/,
    ],
  ])("%j", async (flags, message) => {
    const result = await annex(["-annex-name", "Bad", ...flags, "-yes"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(proxy.seen("POST", "/annexes")).toEqual([]);
  });
});
