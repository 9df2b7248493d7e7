/**
 * The annex functions that price (create: the estimate and the first spend; off: the final cost):
 * the annex ports with prices. The others (status, reset) do not load the Price List client.
 */

import { ec2 } from "../adapters/aws/ec2-client.ts";
import { AwsSpotPrices } from "../adapters/aws/spot-prices.ts";
import type { CreatePorts } from "../use-cases/annexes/create-annex.ts";
import { annexPorts } from "./annexes.ts";
import { priceCache, pricePorts } from "./prices.ts";

export const pricedAnnexPorts: CreatePorts = {
  ...annexPorts,
  prices: pricePorts(new AwsSpotPrices(ec2)),
  watch: priceCache,
};
