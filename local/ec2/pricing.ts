/**
 * Built-in instance types: vCPUs, memory, the attributes attribute-based selection reads, and
 * us-east-1 Linux on-demand prices (USD per hour, the public prices of 2024). Other regions are
 * priced by a fixed factor; spot prices are a per-type share of on-demand (see `core/prices.ts`).
 */

export interface InstanceTypeInfo {
  vcpus: number;
  memoryMiB: number;
  architecture: "x86_64" | "arm64";
  manufacturer: "intel" | "amd" | "amazon-web-services";
  generation: "current" | "previous";
  /** T instances (CPU credits). */
  burstable: boolean;
  /** Instance store volumes, if the type has any. */
  localStorage?: { type: "ssd" | "hdd"; totalGB: number };
  maxNetworkInterfaces: number;
  /** Whether on-demand instances of the type can hibernate. */
  hibernation: boolean;
  /** Whether it also runs paravirtual images (the previous generation only). */
  paravirtual: boolean;
  /** us-east-1 Linux on-demand price. */
  onDemand: number;
  /** Spot price as a share of on-demand, before the per-zone variation. */
  spotRatio: number;
}

type Row = [vcpus: number, memoryGiB: number, onDemand: number, spotRatio: number];

const rows: Record<string, Row> = {
  "m1.small": [1, 1.7, 0.044, 0.25],
  "t2.micro": [1, 1, 0.0116, 0.3],
  "t2.small": [1, 2, 0.023, 0.3],
  "t2.medium": [2, 4, 0.0464, 0.3],
  "t2.large": [2, 8, 0.0928, 0.3],
  "t3.nano": [2, 0.5, 0.0052, 0.3],
  "t3.micro": [2, 1, 0.0104, 0.3],
  "t3.small": [2, 2, 0.0208, 0.3],
  "t3.medium": [2, 4, 0.0416, 0.3],
  "t3.large": [2, 8, 0.0832, 0.3],
  "t3.xlarge": [4, 16, 0.1664, 0.3],
  "t3.2xlarge": [8, 32, 0.3328, 0.3],
  "t4g.micro": [2, 1, 0.0084, 0.3],
  "t4g.small": [2, 2, 0.0168, 0.3],
  "m4.large": [2, 8, 0.1, 0.35],
  "m4.xlarge": [4, 16, 0.2, 0.35],
  "m4.2xlarge": [8, 32, 0.4, 0.35],
  "m5.large": [2, 8, 0.096, 0.38],
  "m5.xlarge": [4, 16, 0.192, 0.38],
  "m5.2xlarge": [8, 32, 0.384, 0.38],
  "m5.4xlarge": [16, 64, 0.768, 0.38],
  "m5.8xlarge": [32, 128, 1.536, 0.38],
  "m5.12xlarge": [48, 192, 2.304, 0.38],
  "m5.16xlarge": [64, 256, 3.072, 0.38],
  "m5.24xlarge": [96, 384, 4.608, 0.38],
  "m5a.large": [2, 8, 0.086, 0.42],
  "m5a.xlarge": [4, 16, 0.172, 0.42],
  "m6i.large": [2, 8, 0.096, 0.4],
  "m6i.xlarge": [4, 16, 0.192, 0.4],
  "m6i.2xlarge": [8, 32, 0.384, 0.4],
  "m6g.large": [2, 8, 0.077, 0.4],
  "c3.large": [2, 3.75, 0.105, 0.3],
  "c3.xlarge": [4, 7.5, 0.21, 0.3],
  "c4.large": [2, 3.75, 0.1, 0.33],
  "c4.xlarge": [4, 7.5, 0.199, 0.33],
  "c5.large": [2, 4, 0.085, 0.36],
  "c5.xlarge": [4, 8, 0.17, 0.36],
  "c5.2xlarge": [8, 16, 0.34, 0.36],
  "c5.4xlarge": [16, 32, 0.68, 0.36],
  "c5.9xlarge": [36, 72, 1.53, 0.36],
  "c5.18xlarge": [72, 144, 3.06, 0.36],
  "c5a.large": [2, 4, 0.077, 0.42],
  "c5a.xlarge": [4, 8, 0.154, 0.42],
  "c6i.large": [2, 4, 0.085, 0.4],
  "c6i.xlarge": [4, 8, 0.17, 0.4],
  "c6i.2xlarge": [8, 16, 0.34, 0.4],
  "c6g.large": [2, 4, 0.068, 0.4],
  "r5.large": [2, 16, 0.126, 0.3],
  "r5.xlarge": [4, 32, 0.252, 0.3],
  "r5.2xlarge": [8, 64, 0.504, 0.3],
  "r5.4xlarge": [16, 128, 1.008, 0.3],
};

const graviton = /^(t4g|m6g|c6g)\./;
const amd = /^(m5a|c5a)\./;
const previousGeneration = /^(m1|c3)\./;
const instanceStore: Record<string, InstanceTypeInfo["localStorage"]> = {
  "m1.small": { type: "hdd", totalGB: 160 },
  "c3.large": { type: "ssd", totalGB: 32 },
  "c3.xlarge": { type: "ssd", totalGB: 80 },
};

/** EC2's maximum network interfaces by size (nano/micro 2 … 16xlarge and up 15). */
function interfacesOf(size: string): number {
  if (size === "nano" || size === "micro") return 2;
  if (["small", "medium", "large"].includes(size)) return 3;
  if (size === "xlarge" || size === "2xlarge") return 4;
  return Number.parseInt(size, 10) >= 16 ? 15 : 8;
}

function toInfo(name: string, [vcpus, memoryGiB, onDemand, spotRatio]: Row): InstanceTypeInfo {
  return {
    vcpus,
    memoryMiB: Math.round(memoryGiB * 1024),
    architecture: graviton.test(name) ? "arm64" : "x86_64",
    manufacturer: graviton.test(name) ? "amazon-web-services" : amd.test(name) ? "amd" : "intel",
    generation: previousGeneration.test(name) ? "previous" : "current",
    burstable: name.startsWith("t"),
    localStorage: instanceStore[name],
    maxNetworkInterfaces: interfacesOf(name.split(".")[1] ?? ""),
    hibernation: !previousGeneration.test(name),
    paravirtual: previousGeneration.test(name),
    onDemand,
    spotRatio,
  };
}

/** Every built-in instance type. */
export const instanceTypes: ReadonlyMap<string, InstanceTypeInfo> = new Map(
  Object.entries(rows).map(([name, row]) => [name, toInfo(name, row)] as const),
);

export interface RegionPricing {
  /** The Price List's `location` attribute. */
  location: string;
  /** The Price List's usage-type prefix (`USE2-BoxUsage:…`; none in us-east-1). */
  usagePrefix: string;
  /** Prices relative to us-east-1. */
  factor: number;
}

/** The regions the built-in prices cover; any other region has no price (reported, not guessed). */
export const pricedRegions: Readonly<Record<string, RegionPricing>> = {
  "us-east-1": { location: "US East (N. Virginia)", usagePrefix: "", factor: 1 },
  "us-east-2": { location: "US East (Ohio)", usagePrefix: "USE2-", factor: 1 },
  "us-west-2": { location: "US West (Oregon)", usagePrefix: "USW2-", factor: 1 },
  "eu-west-1": { location: "EU (Ireland)", usagePrefix: "EU-", factor: 1.11 },
  "eu-central-1": { location: "EU (Frankfurt)", usagePrefix: "EUC1-", factor: 1.19 },
  "ap-northeast-1": { location: "Asia Pacific (Tokyo)", usagePrefix: "APN1-", factor: 1.29 },
};

/** Rounds a price the way EC2 quotes spot prices (at most 6 decimals). */
export const roundPrice = (n: number): number => Math.round(n * 1e6) / 1e6;

/** The table's Linux on-demand price of a type in a region (undefined: no such type or region). */
export function listOnDemandPrice(type: string, region: string): number | undefined {
  const info = instanceTypes.get(type);
  const pricing = pricedRegions[region];
  return info && pricing ? roundPrice(info.onDemand * pricing.factor) : undefined;
}
