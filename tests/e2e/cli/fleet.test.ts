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
/** Not the default image setup stored (harness.ts), so a launch with it came from -aws-ami-id. */
const IMAGE = "ami-a2a795b4";
/** The lease part of the question, with the estimate's "at most" in it. */
const lease = (atMost: string) =>
  `for 0.83 hours (at most ${atMost}).  Each instance will terminate after being idle for 0.25 hours.`;

let backend: Backend & { stack: LocalStack };
let proxy: RecordingProxy;
let home: ReturnType<typeof makeHome>;
const annex = (args: string[], input?: string) =>
  runAnnex(args, { url: proxy.url, home: home.home, input });
/** The create the CLI sent (after the dry run that estimated it). */
const sentBody = () =>
  JSON.parse(proxy.seen("POST", "/annexes").find((r) => !JSON.parse(r.body).dryRun)?.body ?? "{}");
const control = () => backend.stack.aws.ec2.control;
/** Dollars rounded up to the cent, as the question says them. */
const usd = (n: number) => `$${(Math.ceil(n * 100 - 1e-9) / 100).toFixed(2)}`;

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
      ["create", "Thousand", "-cores", "100", "-aws-instance-types", TYPES, "-aws-ami-id", IMAGE],
      "yes\n",
    );
    const lines = result.stdout.split("\n");
    // What may fall back is counted on demand: the dearest type per core, 50 m5.large at $0.096/h.
    expect(lines[0]).toBe(
      `Will request 100 cores (spot, falling back to on-demand) ${lease(usd(50 * 0.096 * 0.83))}`,
    );
    expect(lines[1]).toBe(
      "They come from c5.large, m5.large or c6i.xlarge, the cheapest per core first, in every zone of the pool's VPC.",
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(sentBody()).toMatchObject({
      name: "Thousand",
      kind: "fleet",
      cores: 100,
      imageId: IMAGE,
      fleet: { instanceTypes: ["c5.large", "m5.large", "c6i.xlarge"] },
    });
    // -aws-ami-id, not setup's default image, is what the fleet's instances run.
    const launched = control()
      .instances()
      .filter((i) => i.tags["annex:name"] === "Thousand");
    expect(launched.length).toBeGreaterThan(0);
    expect(new Set(launched.map((i) => i.imageId))).toEqual(new Set([IMAGE]));

    const status = await annex(["status", "Thousand"]);
    expect(status.code).toBe(0);
    const table = status.stdout.split("\n");
    const header = table.findIndex((line) => line.startsWith("FLEET"));
    expect(table[header]).toMatch(/^FLEET\s+TYPE\s+ZONE\s+MARKET\s+INSTANCES\s+CAPACITY\s+PRICE$/);
    const shown = JSON.parse((await annex(["status", "Thousand", "--json"])).stdout).annex;
    const [pool] = shown.fleet.pools;
    // Each pool's price is its type's spot price in its zone; the total is the annex's burn.
    const price = control().spotPrices(pool.instanceType)[pool.availabilityZone] ?? Number.NaN;
    expect(pool.usdPerHour).toBe(price);
    expect(table[header + 1]).toMatch(
      new RegExp(
        `^Thousand\\s+${pool.instanceType}\\s+${pool.availabilityZone}\\s+spot\\s+${pool.instances}\\s+100 cores\\s+\\$${price.toFixed(4).replace(".", "\\.")}/h$`,
      ),
    );
    expect(shown.cost.burnUsdPerHour).toBeCloseTo(pool.instances * price, 9);
    expect(table[header + 2]).toMatch(
      /^Thousand\s+\(total\)\s+\d+\s+100 of 100 cores\s+\$\d+\.\d{4}\/h$/,
    );
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

  /** Two c5.large at today's dearest spot price, or on demand. */
  const spot = () => 2 * Math.max(...Object.values(control().spotPrices("c5.large"))) * 0.83;
  const onDemand = () => 2 * control().onDemandPrice("c5.large") * 0.83;
  it.each([
    [["-spot"], "spot only", { onDemandFallback: false }, spot],
    [["-on-demand"], "on-demand", { spotPercent: 0 }, onDemand],
    [
      ["-spot-percent", "60"],
      "60% spot, falling back to on-demand; 40% on-demand",
      { spotPercent: 60 },
      onDemand,
    ],
    [
      ["-spot", "-replace-interrupted"],
      "spot only",
      { onDemandFallback: false, replaceInterrupted: true },
      spot,
    ],
  ])("says and sends the markets of %j", async (flags, phrase, fleet, atMost) => {
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
    expect(result.stdout.split("\n")[0]).toBe(
      `Will request 2 instances (${phrase}) ${lease(usd(atMost()))}`,
    );
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
