/**
 * The market part of the control interface: capacity per type, zone and market; spot prices per
 * type and zone (changed at clock time, kept as history); pinned on-demand prices; image
 * architectures. Every change is checked first, so a refused one changes nothing.
 */

import { type CapacityPool, capacityKey, parseCapacityKey } from "./core/capacity.ts";
import type { Ec2Context } from "./core/context.ts";
import type { Architecture } from "./core/images.ts";
import { zonesOf } from "./core/network.ts";
import { changeSpotPrice, onDemandPrice, spotPriceAt } from "./core/prices.ts";
import { instanceTypes } from "./pricing.ts";

/** A control request the emulator cannot honour (unknown instance, wrong state, …). */
export class Ec2ControlError extends Error {
  override name = "Ec2ControlError";

  constructor(
    message: string,
    readonly status: 404 | 409 | 400,
  ) {
    super(message);
  }
}

export interface MarketControl {
  /**
   * Remaining launchable instances of a type (a string), or of a type in a zone and/or market;
   * `undefined` = unlimited, 0 = InsufficientInstanceCapacity. Launches count against every
   * limit that covers them.
   */
  setCapacity(pool: string | CapacityPool, available: number | undefined): void;
  /** Changes a type's spot price now, in one zone or all; `undefined` = back to the built-in price. */
  setSpotPrice(
    type: string,
    price: number | undefined,
    options?: { availabilityZone?: string },
  ): void;
  /** The spot price of a type now, in every zone. */
  spotPrices(type: string): Record<string, number>;
  /** Pins the on-demand price EC2 charges (and the Price List answers) here; `undefined` = the table's. */
  setOnDemandPrice(type: string, price: number | undefined): void;
  onDemandPrice(type: string): number;
  /** Registers an image's architecture (images are x86_64 unless registered). */
  setImageArchitecture(imageId: string, architecture: Architecture): void;
}

function knownType(type: string): void {
  if (!instanceTypes.has(type)) throw new Ec2ControlError(`unknown instance type ${type}`, 400);
}

function checkPrice(price: number | undefined): void {
  if (price !== undefined && !(Number.isFinite(price) && price > 0))
    throw new Ec2ControlError(
      `a price must be a positive number of USD per hour, not ${price}`,
      400,
    );
}

/** Builds the market controls over an emulator's context. */
export function marketControl(ctx: Ec2Context): MarketControl {
  const zones = () => zonesOf(ctx.region).map((z) => z.name);
  const knownZone = (zone: string | undefined) => {
    if (zone !== undefined && !zones().includes(zone))
      throw new Ec2ControlError(
        `unknown Availability Zone ${zone} (this region has ${zones().join(", ")})`,
        400,
      );
  };
  return {
    setCapacity: (pool, available) => {
      const parsed = typeof pool === "string" ? (parseCapacityKey(pool) ?? { type: pool }) : pool;
      knownType(parsed.type);
      knownZone(parsed.availabilityZone);
      if (parsed.market !== undefined && parsed.market !== "spot" && parsed.market !== "on-demand")
        throw new Ec2ControlError(
          `market must be spot or on-demand, not ${String(parsed.market)}`,
          400,
        );
      if (available !== undefined && !(Number.isInteger(available) && available >= 0))
        throw new Ec2ControlError(`capacity must be a whole number ≥ 0, not ${available}`, 400);
      const capacity = { ...ctx.faults.settings.capacity };
      if (available === undefined) delete capacity[capacityKey(parsed)];
      else capacity[capacityKey(parsed)] = available;
      ctx.faults.update({ capacity });
    },
    setSpotPrice: (type, price, options = {}) => {
      knownType(type);
      knownZone(options.availabilityZone);
      checkPrice(price);
      const where = options.availabilityZone ? [options.availabilityZone] : zones();
      changeSpotPrice(ctx, type, price, where, ctx.clock.now());
    },
    spotPrices: (type) => {
      knownType(type);
      const now = ctx.clock.now();
      return Object.fromEntries(zones().map((z) => [z, spotPriceAt(ctx, type, z, now)]));
    },
    setOnDemandPrice: (type, price) => {
      knownType(type);
      checkPrice(price);
      if (price === undefined) delete ctx.state.onDemandPrices[type];
      else ctx.state.onDemandPrices[type] = price;
      ctx.markDirty();
    },
    onDemandPrice: (type) => {
      knownType(type);
      return onDemandPrice(ctx, type);
    },
    setImageArchitecture: (imageId, architecture) => {
      if (!/^ami-[0-9a-f]{8,17}$/.test(imageId))
        throw new Ec2ControlError(`malformed image id ${imageId}`, 400);
      if (architecture !== "x86_64" && architecture !== "arm64")
        throw new Ec2ControlError(
          `architecture must be x86_64 or arm64, not ${String(architecture)}`,
          400,
        );
      ctx.state.imageArchitectures[imageId] = architecture;
      ctx.markDirty();
    },
  };
}
