/**
 * Spot prices from EC2's DescribeSpotPriceHistory (Linux/UNIX), per type and Availability Zone:
 * the price in force at the start time and every change after it. Any failure is
 * PricesUnavailableError; a type with no spot price is left out.
 */

import { DescribeSpotPriceHistoryCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { chunks } from "../../domain/lists.ts";
import { type PricePoint, PricesUnavailableError } from "../../domain/prices.ts";
import type { SpotPriceSource } from "../../ports/prices.ts";
import { shapeOf } from "./sdk-errors.ts";

/** Types asked for in one call (the rows come back per type and zone). */
const TYPES_PER_CALL = 50;

/** Spot price history over the SDK. */
export class AwsSpotPrices implements SpotPriceSource {
  constructor(private readonly ec2: EC2Client) {}

  async spotPriceHistory(
    types: readonly string[],
    since: number,
  ): Promise<Map<string, Record<string, PricePoint[]>>> {
    const out = new Map<string, Record<string, PricePoint[]>>();
    try {
      for (const batch of chunks([...new Set(types)], TYPES_PER_CALL)) {
        let token: string | undefined;
        do {
          const page = await this.ec2.send(
            new DescribeSpotPriceHistoryCommand({
              InstanceTypes: batch as never,
              ProductDescriptions: ["Linux/UNIX"],
              StartTime: new Date(since * 1000),
              MaxResults: 1000,
              NextToken: token,
            }),
          );
          for (const row of page.SpotPriceHistory ?? []) {
            const usdPerHour = Number(row.SpotPrice);
            const zone = row.AvailabilityZone;
            if (!row.InstanceType || !zone || !row.Timestamp || !(usdPerHour > 0)) continue;
            const zones = out.get(row.InstanceType) ?? {};
            out.set(row.InstanceType, zones);
            zones[zone] = [
              ...(zones[zone] ?? []),
              { at: Math.floor(row.Timestamp.getTime() / 1000), usdPerHour },
            ];
          }
          token = page.NextToken || undefined;
        } while (token);
      }
    } catch (error) {
      const { name, message } = shapeOf(error);
      throw new PricesUnavailableError(`spot price history: ${name || message || "no answer"}`, {
        cause: error,
      });
    }
    for (const zones of out.values())
      for (const points of Object.values(zones)) points.sort((a, b) => a.at - b.at);
    return out;
  }
}
