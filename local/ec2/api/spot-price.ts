/**
 * DescribeSpotPriceHistory: the price history of each built-in type in each zone. As EC2 does, a
 * time range answers the price in force at StartTime plus every change up to EndTime; newest first.
 */

import {
  DescribeSpotPriceHistory$,
  type DescribeSpotPriceHistoryRequest,
  type DescribeSpotPriceHistoryResult,
  type SpotPrice,
} from "@aws-sdk/client-ec2";
import type { Ec2Context } from "../core/context.ts";
import { applyFilters } from "../core/filters.ts";
import { zonesOf } from "../core/network.ts";
import { paginate } from "../core/pagination.ts";
import { spotHistory } from "../core/prices.ts";
import type { PricePoint } from "../core/state.ts";
import { instanceTypes } from "../pricing.ts";
import { invalidParameter } from "../protocol/errors.ts";
import { operation } from "./operation.ts";

/** Product descriptions and what each adds to the Linux spot price per vCPU-hour (the OS licence). */
const products: Record<string, number> = {
  "Linux/UNIX": 0,
  "Linux/UNIX (Amazon VPC)": 0,
  "SUSE Linux": 0.0125,
  "SUSE Linux (Amazon VPC)": 0.0125,
  "Red Hat Enterprise Linux": 0.0144,
  "Red Hat Enterprise Linux (Amazon VPC)": 0.0144,
  Windows: 0.046,
  "Windows (Amazon VPC)": 0.046,
};

/** The points of a history in force during [start, end]: the one in force at start, then changes. */
function inRange(history: PricePoint[], start: number | undefined, end: number): PricePoint[] {
  const upToEnd = history.filter((p) => p.at <= end);
  if (start === undefined) return upToEnd;
  const before = upToEnd.filter((p) => p.at <= start);
  const inForce = before[before.length - 1];
  return [...(inForce ? [inForce] : []), ...upToEnd.filter((p) => p.at > start)];
}

function rows(ctx: Ec2Context, input: DescribeSpotPriceHistoryRequest, now: number) {
  const end = Math.min(now, input.EndTime?.getTime() ?? now);
  const start = input.StartTime?.getTime();
  const types = (
    input.InstanceTypes?.length ? input.InstanceTypes : [...instanceTypes.keys()]
  ).filter((t) => instanceTypes.has(t));
  const wanted = input.ProductDescriptions?.length
    ? input.ProductDescriptions
    : Object.keys(products);
  const zones = zonesOf(ctx.region).filter(
    (z) => !input.AvailabilityZone || z.name === input.AvailabilityZone,
  );
  const out: (SpotPrice & { at: number })[] = [];
  if (start !== undefined && start > end) return out;
  for (const type of types)
    for (const zone of zones)
      for (const point of inRange(spotHistory(ctx, type, zone.name), start, end))
        for (const product of wanted.filter((p) => p in products))
          out.push({
            at: point.at,
            AvailabilityZone: zone.name,
            InstanceType: type as SpotPrice["InstanceType"],
            ProductDescription: product as SpotPrice["ProductDescription"],
            SpotPrice: (
              point.price +
              (products[product] ?? 0) * (instanceTypes.get(type)?.vcpus ?? 1)
            ).toFixed(6),
            Timestamp: new Date(point.at),
          });
  return out.sort((a, b) => b.at - a.at);
}

/** DescribeSpotPriceHistory. */
export const describeSpotPriceHistory = operation(
  DescribeSpotPriceHistory$,
  (ctx, input: DescribeSpotPriceHistoryRequest, call): DescribeSpotPriceHistoryResult => {
    if (input.StartTime && input.EndTime && input.StartTime > input.EndTime)
      throw invalidParameter("The start time must be before the end time.");
    const numbered = rows(ctx, input, call.now).map((row, i) => ({ ...row, seq: i + 1 }));
    const matching = applyFilters(numbered, input.Filters, {
      "availability-zone": (r) => r.AvailabilityZone,
      "instance-type": (r) => r.InstanceType,
      "product-description": (r) => r.ProductDescription,
      "spot-price": (r) => r.SpotPrice,
      timestamp: (r) => r.Timestamp?.toISOString(),
    });
    const { page, nextToken } = paginate(matching, (r) => r.seq, input, { min: 1, max: 10000 });
    return {
      SpotPriceHistory: page.map(({ seq: _seq, at: _at, ...row }) => row),
      NextToken: nextToken ?? "",
    };
  },
);
