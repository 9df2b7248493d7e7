/**
 * Prices for the functions that estimate or keep spend: the Price List (its own client, in the
 * nearest region that serves it), EC2's spot price history (through the caller's EC2 client, given)
 * and the DynamoDB cache and spot watch list, for the stack's region.
 */

import { dynamoDb } from "../adapters/aws/dynamodb-client.ts";
import { DynamoDbPriceCache } from "../adapters/aws/price-cache.ts";
import { AwsPriceList } from "../adapters/aws/price-list.ts";
import { pricingClient } from "../adapters/aws/pricing-client.ts";
import { log } from "../adapters/http/logger.ts";
import { getStringFromEnv } from "../config.ts";
import type { SpotPriceSource } from "../ports/prices.ts";
import type { PricePorts } from "../use-cases/prices/ports.ts";

const region = getStringFromEnv("AWS_REGION");
const priceList = new AwsPriceList(pricingClient(region));

/** The price cache and the spot watch list (one DynamoDB adapter). */
export const priceCache = new DynamoDbPriceCache(dynamoDb, getStringFromEnv("ANNEX_TABLE"));

/** The price ports with spot prices from `spotSource` (over the API's EC2 client, or the enforcer's). */
export const pricePorts = (spotSource: SpotPriceSource): PricePorts => ({
  region,
  onDemandSource: priceList,
  spotSource,
  cache: priceCache,
  log,
});
