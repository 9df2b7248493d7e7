/**
 * On-demand prices from the AWS Price List (GetProducts): Linux, shared tenancy, no pre-installed
 * software, capacity status Used — the price of an ordinary on-demand Linux instance — in the
 * stack's region. Any failure is PricesUnavailableError; a type with no such product is left out.
 */

import { type Filter, GetProductsCommand, type PricingClient } from "@aws-sdk/client-pricing";
import { chunks } from "../../domain/lists.ts";
import { PricesUnavailableError } from "../../domain/prices.ts";
import type { OnDemandPriceSource } from "../../ports/prices.ts";
import { shapeOf } from "./sdk-errors.ts";

/** Types asked for in one GetProducts (one ANY_OF filter). */
const TYPES_PER_CALL = 20;

const term = (Field: string, Value: string): Filter => ({ Type: "TERM_MATCH", Field, Value });

interface PriceListEntry {
  product?: { attributes?: Record<string, string> };
  terms?: {
    OnDemand?: Record<string, { priceDimensions?: Record<string, PriceDimension> }>;
  };
}
interface PriceDimension {
  unit?: string;
  pricePerUnit?: { USD?: string };
}

/** The entry's instance type and hourly USD price, if it has one above zero. */
function priceOf(text: string): [string, number] | undefined {
  const entry = JSON.parse(text) as PriceListEntry;
  const type = entry.product?.attributes?.instanceType;
  const prices = Object.values(entry.terms?.OnDemand ?? {})
    .flatMap((offer) => Object.values(offer.priceDimensions ?? {}))
    .filter((dimension) => dimension.unit === "Hrs")
    .map((dimension) => Number(dimension.pricePerUnit?.USD));
  const usd = Math.max(0, ...prices.filter(Number.isFinite));
  return type !== undefined && usd > 0 ? [type, usd] : undefined;
}

/** The Price List over the SDK. */
export class AwsPriceList implements OnDemandPriceSource {
  constructor(private readonly pricing: PricingClient) {}

  async onDemandPrices(region: string, types: readonly string[]): Promise<Map<string, number>> {
    const prices = new Map<string, number>();
    try {
      for (const batch of chunks([...new Set(types)], TYPES_PER_CALL)) {
        let token: string | undefined;
        do {
          const page = await this.pricing.send(
            new GetProductsCommand({
              ServiceCode: "AmazonEC2",
              Filters: [
                { Type: "ANY_OF", Field: "instanceType", Value: batch.join(",") },
                term("regionCode", region),
                term("operatingSystem", "Linux"),
                term("tenancy", "Shared"),
                term("preInstalledSw", "NA"),
                term("capacitystatus", "Used"),
              ],
              MaxResults: 100,
              NextToken: token,
            }),
          );
          const entries = (page.PriceList ?? []) as unknown[];
          for (const found of entries.map((entry) => priceOf(String(entry)))) {
            // Two products for one type would be a surprise: the dearer one is the safe reading.
            if (found) prices.set(found[0], Math.max(found[1], prices.get(found[0]) ?? 0));
          }
          token = page.NextToken;
        } while (token);
      }
    } catch (error) {
      const { name, message } = shapeOf(error);
      throw new PricesUnavailableError(`Price List: ${name || message || "no answer"}`, {
        cause: error,
      });
    }
    return prices;
  }
}
