/**
 * The Price List client, built once. The Price List API answers only in us-east-1, eu-central-1
 * and ap-south-1, whatever region the stack runs in: the nearest of the three is used (the prices
 * asked for are still those of the stack's region). Locally `AWS_ENDPOINT_URL` points it at the
 * local AWS, as every other client.
 */

import { PricingClient } from "@aws-sdk/client-pricing";

/** The Price List endpoint's region for a stack in `region`. */
export function priceListRegion(region: string): string {
  if (/^(eu|me|af|il)-/.test(region)) return "eu-central-1";
  if (/^ap-/.test(region)) return "ap-south-1";
  return "us-east-1";
}

/** The Price List client for a stack in `region`. */
export const pricingClient = (region: string) =>
  new PricingClient({ region: priceListRegion(region), retryMode: "standard", maxAttempts: 3 });
