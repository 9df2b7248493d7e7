/** Fleet create requests for the tests, and the emulator's spot pools ordered by price per vCPU. */

import type { Ec2Control } from "../../local/ec2/control.ts";

/** The tutorial's three types and their vCPUs (their weight when capacity is in vCPUs). */
export const FLEET_TYPES = { "c5.large": 2, "m5.large": 2, "c6i.xlarge": 4 } as const;

/** A valid fleet create request (100 vCPUs over FLEET_TYPES); override what a test is about. */
export const fleetRequest = (
  name: string,
  overrides: Record<string, unknown> = {},
  fleet: Record<string, unknown> = {},
) => ({
  name,
  kind: "fleet",
  clientToken: `token-${name}-${Math.random().toString(36).slice(2)}`,
  cores: 100,
  owners: ["alice"],
  fleet: { instanceTypes: Object.keys(FLEET_TYPES), ...fleet },
  ...overrides,
});

/** Every spot pool (`type@zone`) of `weights`, cheapest per unit first. */
export function spotPoolsByUnitPrice(
  control: Pick<Ec2Control, "spotPrices">,
  weights: Record<string, number> = FLEET_TYPES,
): string[] {
  return Object.entries(weights)
    .flatMap(([type, weight]) =>
      Object.entries(control.spotPrices(type)).map(([zone, price]) => ({
        pool: `${type}@${zone}`,
        perUnit: price / weight,
      })),
    )
    .sort((a, b) => a.perUnit - b.perUnit)
    .map((p) => p.pool);
}
