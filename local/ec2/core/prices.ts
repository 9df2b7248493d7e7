/**
 * The emulator's market: on-demand prices (the table, or a pinned price) and spot prices per type
 * and Availability Zone, deterministic and different in every zone, changed at clock time through
 * the control interface and kept as history (what DescribeSpotPriceHistory reads).
 */

import { createHash } from "node:crypto";
import { instanceTypes, listOnDemandPrice, roundPrice } from "../pricing.ts";
import type { Ec2Context } from "./context.ts";
import type { PricePoint } from "./state.ts";

const key = (type: string, zone: string) => `${type}|${zone}`;

/** The on-demand price EC2 charges here: a pinned price, else the table's (us-east-1's when this region has none). */
export function onDemandPrice(ctx: Ec2Context, type: string): number {
  return (
    ctx.state.onDemandPrices[type] ??
    listOnDemandPrice(type, ctx.region) ??
    listOnDemandPrice(type, "us-east-1") ??
    Number.POSITIVE_INFINITY
  );
}

/** A zone's own variation of a type's spot price: a fixed factor between 0.90 and 1.10. */
function zoneFactor(type: string, zone: string): number {
  const digest = createHash("sha256").update(key(type, zone)).digest();
  return 0.9 + (digest.readUInt16BE(0) % 21) / 100;
}

/** The built-in spot price of a type in a zone, before any change. */
export function baseSpotPrice(ctx: Ec2Context, type: string, zone: string): number {
  const info = instanceTypes.get(type);
  const onDemand = listOnDemandPrice(type, ctx.region) ?? listOnDemandPrice(type, "us-east-1");
  if (!info || onDemand === undefined) return Number.POSITIVE_INFINITY;
  return Math.round(onDemand * info.spotRatio * zoneFactor(type, zone) * 1e4) / 1e4;
}

/** Every spot price a type had in a zone, oldest first (the built-in price from the origin on). */
export function spotHistory(ctx: Ec2Context, type: string, zone: string): PricePoint[] {
  const origin = { at: ctx.state.priceOrigin ?? 0, price: baseSpotPrice(ctx, type, zone) };
  return [origin, ...(ctx.state.spotPriceChanges[key(type, zone)] ?? [])];
}

/** The spot price of a type in a zone at time `at`. */
export function spotPriceAt(ctx: Ec2Context, type: string, zone: string, at: number): number {
  const history = spotHistory(ctx, type, zone);
  let price = history[0]?.price ?? Number.POSITIVE_INFINITY;
  for (const point of history) if (point.at <= at) price = point.price;
  return price;
}

/** Changes a type's spot price in the given zones at `at`; `undefined` returns to the built-in price. */
export function changeSpotPrice(
  ctx: Ec2Context,
  type: string,
  price: number | undefined,
  zones: string[],
  at: number,
): void {
  for (const zone of zones) {
    const changes = ctx.state.spotPriceChanges[key(type, zone)] ?? [];
    ctx.state.spotPriceChanges[key(type, zone)] = changes;
    const point = { at, price: roundPrice(price ?? baseSpotPrice(ctx, type, zone)) };
    const last = changes[changes.length - 1];
    if (last && last.at === at) changes[changes.length - 1] = point;
    else changes.push(point);
  }
  ctx.markDirty();
}
