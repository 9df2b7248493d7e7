/** DescribeSpotPriceHistory: the current price of each built-in type in each zone. */

import {
  DescribeSpotPriceHistory$,
  type DescribeSpotPriceHistoryRequest,
  type DescribeSpotPriceHistoryResult,
  type SpotPrice,
} from "@aws-sdk/client-ec2";
import { applyFilters } from "../core/filters.ts";
import { zonesOf } from "../core/network.ts";
import { paginate } from "../core/pagination.ts";
import { instanceTypes, spotPrice } from "../pricing.ts";
import { operation } from "./operation.ts";

const linux = ["Linux/UNIX", "Linux/UNIX (Amazon VPC)"];

/** DescribeSpotPriceHistory (one current price point per type, zone and Linux product). */
export const describeSpotPriceHistory = operation(
  DescribeSpotPriceHistory$,
  (ctx, input: DescribeSpotPriceHistoryRequest, call): DescribeSpotPriceHistoryResult => {
    const end = Math.min(call.now, input.EndTime?.getTime() ?? call.now);
    if (input.StartTime && input.StartTime.getTime() > end)
      return { SpotPriceHistory: [], NextToken: "" };
    const types = input.InstanceTypes?.length ? input.InstanceTypes : [...instanceTypes.keys()];
    const products = (
      input.ProductDescriptions?.length ? input.ProductDescriptions : ["Linux/UNIX"]
    ).filter((p) => linux.includes(p));
    const zones = zonesOf(ctx.region).filter(
      (z) => !input.AvailabilityZone || z.name === input.AvailabilityZone,
    );
    const rows: (SpotPrice & { seq: number })[] = [];
    for (const type of types.filter((t) => instanceTypes.has(t)))
      for (const zone of zones)
        for (const product of products)
          rows.push({
            seq: rows.length + 1,
            AvailabilityZone: zone.name,
            InstanceType: type as SpotPrice["InstanceType"],
            ProductDescription: product as SpotPrice["ProductDescription"],
            SpotPrice: spotPrice(type, ctx.faults.settings.spotPrices).toFixed(6),
            Timestamp: new Date(end),
          });
    const matching = applyFilters(rows, input.Filters, {
      "availability-zone": (r) => r.AvailabilityZone,
      "instance-type": (r) => r.InstanceType,
      "product-description": (r) => r.ProductDescription,
      "spot-price": (r) => r.SpotPrice,
      timestamp: (r) => r.Timestamp?.toISOString(),
    });
    const { page, nextToken } = paginate(matching, (r) => r.seq, input, { min: 1, max: 10000 });
    return {
      SpotPriceHistory: page.map(({ seq: _seq, ...row }) => row),
      NextToken: nextToken ?? "",
    };
  },
);
