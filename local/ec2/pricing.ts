/** Built-in instance types: vCPUs, memory, architecture and us-east-1 Linux prices (USD per hour). */

export interface InstanceTypeInfo {
  vcpus: number;
  memoryMiB: number;
  architecture: "x86_64" | "arm64";
  onDemand: number;
  spot: number;
}

type Row = [vcpus: number, memoryGiB: number, onDemand: number, spotRatio: number];

const x86: Record<string, Row> = {
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
  "m6i.large": [2, 8, 0.096, 0.4],
  "m6i.xlarge": [4, 16, 0.192, 0.4],
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
  "c6i.large": [2, 4, 0.085, 0.4],
  "r5.large": [2, 16, 0.126, 0.3],
  "r5.xlarge": [4, 32, 0.252, 0.3],
  "r5.2xlarge": [8, 64, 0.504, 0.3],
  "r5.4xlarge": [16, 128, 1.008, 0.3],
};

const arm: Record<string, Row> = {
  "t4g.micro": [2, 1, 0.0084, 0.3],
  "t4g.small": [2, 2, 0.0168, 0.3],
  "m6g.large": [2, 8, 0.077, 0.4],
  "c6g.large": [2, 4, 0.068, 0.4],
};

const round = (n: number) => Math.round(n * 1e6) / 1e6;

const toInfo = (row: Row, architecture: InstanceTypeInfo["architecture"]): InstanceTypeInfo => ({
  vcpus: row[0],
  memoryMiB: Math.round(row[1] * 1024),
  architecture,
  onDemand: row[2],
  spot: round(row[2] * row[3]),
});

/** Every built-in instance type. */
export const instanceTypes: ReadonlyMap<string, InstanceTypeInfo> = new Map([
  ...Object.entries(x86).map(([name, row]) => [name, toInfo(row, "x86_64")] as const),
  ...Object.entries(arm).map(([name, row]) => [name, toInfo(row, "arm64")] as const),
]);

/** The current spot price of a type, with any override from the control interface. */
export function spotPrice(type: string, overrides: Record<string, number>): number {
  return overrides[type] ?? instanceTypes.get(type)?.spot ?? Number.POSITIVE_INFINITY;
}
