/**
 * The market routes of the control interface over HTTP (JSON), under `/_ec2`:
 *
 *   PUT    /capacity          { instanceType, availabilityZone?, market?, available: n | null }
 *   PUT    /spot-prices       { instanceType, availabilityZone?, price: usd | null }
 *   GET    /spot-prices/{type}                the type's spot price in every zone now
 *   PUT    /on-demand-prices  { instanceType, price: usd | null }
 *   PUT    /images/{id}       { architecture: "x86_64" | "arm64" }
 *   POST   /instances/{id}/rebalance-recommendation
 */

import { z } from "zod";
import { body, type Route } from "./control-http-routes.ts";

const capacityBody = z
  .object({
    instanceType: z.string().min(1),
    availabilityZone: z.string().min(1).optional(),
    market: z.enum(["spot", "on-demand"]).optional(),
    available: z.number().int().nonnegative().nullable(),
  })
  .strict();

const spotPriceBody = z
  .object({
    instanceType: z.string().min(1),
    availabilityZone: z.string().min(1).optional(),
    price: z.number().positive().nullable(),
  })
  .strict();

const onDemandBody = z
  .object({ instanceType: z.string().min(1), price: z.number().positive().nullable() })
  .strict();

const imageBody = z.object({ architecture: z.enum(["x86_64", "arm64"]) }).strict();

export const marketRoutes: Route[] = [
  [
    "PUT",
    /^\/capacity$/,
    async ({ control, req }) => {
      const { available, ...pool } = await body(req, capacityBody);
      control.setCapacity({ type: pool.instanceType, ...pool }, available ?? undefined);
      return { json: { capacity: control.faults().capacity } };
    },
  ],
  [
    "PUT",
    /^\/spot-prices$/,
    async ({ control, req }) => {
      const { instanceType, availabilityZone, price } = await body(req, spotPriceBody);
      control.setSpotPrice(instanceType, price ?? undefined, { availabilityZone });
      return { json: { instanceType, prices: control.spotPrices(instanceType) } };
    },
  ],
  [
    "GET",
    /^\/spot-prices\/([^/]+)$/,
    ({ control, id }) => ({ json: { instanceType: id, prices: control.spotPrices(id) } }),
  ],
  [
    "PUT",
    /^\/on-demand-prices$/,
    async ({ control, req }) => {
      const { instanceType, price } = await body(req, onDemandBody);
      control.setOnDemandPrice(instanceType, price ?? undefined);
      return { json: { instanceType, price: control.onDemandPrice(instanceType) } };
    },
  ],
  [
    "PUT",
    /^\/images\/([^/]+)$/,
    async ({ control, req, id }) => {
      const { architecture } = await body(req, imageBody);
      control.setImageArchitecture(id, architecture);
      return { json: { imageId: id, architecture } };
    },
  ],
  [
    "POST",
    /^\/instances\/([^/]+)\/rebalance-recommendation$/,
    ({ control, id }) => ({ json: { instance: control.recommendRebalance(id) } }),
  ],
];
