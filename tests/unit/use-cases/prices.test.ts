import { describe, expect, it } from "vitest";
import { PRICE_REFRESH_SECONDS, PricesUnavailableError } from "../../../shared/domain/prices.ts";
import { onDemandQuotes } from "../../../shared/use-cases/prices/on-demand.ts";
import { refreshSpot, spotHistories, spotQuotes } from "../../../shared/use-cases/prices/spot.ts";
import { FakePrices } from "../../support/fake-prices.ts";

describe("on-demand prices", () => {
  it("pins win over the Price List, which is asked once and then cached for its interval", async () => {
    const fake = new FakePrices();
    const quotes = await onDemandQuotes(
      fake.ports,
      { "m5.large": 0.085 },
      ["m5.large", "c5.large"],
      0,
    );
    expect(quotes.get("m5.large")).toEqual({ usdPerHour: 0.085, source: "pinned" });
    expect(quotes.get("c5.large")).toEqual({ usdPerHour: 0.085, source: "price-list" });
    expect(fake.calls.priceList).toBe(1);
    fake.list.set("c5.large", 0.5);
    const soon = await onDemandQuotes(
      fake.ports,
      undefined,
      ["c5.large"],
      PRICE_REFRESH_SECONDS.onDemand - 1,
    );
    expect(soon.get("c5.large")?.usdPerHour).toBe(0.085);
    expect(fake.calls.priceList).toBe(1);
    const later = await onDemandQuotes(
      fake.ports,
      undefined,
      ["c5.large"],
      PRICE_REFRESH_SECONDS.onDemand,
    );
    expect(later.get("c5.large")?.usdPerHour).toBe(0.5);
    expect(fake.calls.priceList).toBe(2);
  });

  it("reports a type the Price List does not know as unknown, never zero, and caches that too", async () => {
    const fake = new FakePrices();
    const quotes = await onDemandQuotes(fake.ports, undefined, ["t9.mega"], 0);
    expect(quotes.get("t9.mega")).toEqual({ usdPerHour: undefined, source: undefined });
    await onDemandQuotes(fake.ports, undefined, ["t9.mega"], 10);
    expect(fake.calls.priceList).toBe(1);
  });

  it("uses a stale price when the Price List is down, and is unavailable (503) with none", async () => {
    const fake = new FakePrices();
    await onDemandQuotes(fake.ports, undefined, ["m5.large"], 0);
    fake.down = true;
    const stale = await onDemandQuotes(fake.ports, undefined, ["m5.large"], 10 * 86400);
    expect(stale.get("m5.large")?.usdPerHour).toBe(0.096);
    expect(fake.warnings).toEqual(["Price List unavailable: using cached prices"]);
    await expect(onDemandQuotes(fake.ports, undefined, ["c5.large"], 0)).rejects.toThrow(
      PricesUnavailableError,
    );
    expect(new PricesUnavailableError("x").status).toBe(503);
  });
});

describe("spot prices", () => {
  it("keeps the history per zone, adds the changes since the last fetch, and says what moved", async () => {
    const fake = new FakePrices();
    fake.setSpot("m5.large", "us-east-1a", 0, 0.03);
    fake.setSpot("m5.large", "us-east-1b", 0, 0.04);
    const first = await spotHistories(fake.ports, ["m5.large"], 100, 100);
    expect(first.get("m5.large")).toEqual({
      "us-east-1a": [{ at: 0, usdPerHour: 0.03 }],
      "us-east-1b": [{ at: 0, usdPerHour: 0.04 }],
    });
    expect((await spotQuotes(fake.ports, ["m5.large"], 101)).get("m5.large")).toEqual({
      usdPerHour: 0.04,
      source: "spot-now",
    });
    expect(fake.calls.spotHistory).toBe(1); // within the interval: from the cache

    fake.setSpot("m5.large", "us-east-1a", 150, 0.09);
    const cached = new Map(fake.spotCache);
    expect(await refreshSpot(fake.ports, ["m5.large"], cached, 400, 400)).toEqual(["m5.large"]);
    expect(cached.get("m5.large")?.zones["us-east-1a"]).toEqual([
      { at: 0, usdPerHour: 0.03 },
      { at: 150, usdPerHour: 0.09 },
    ]);
    expect(await refreshSpot(fake.ports, ["m5.large"], cached, 500, 500)).toEqual([]);
  });

  it("reports a type with no spot price as unknown", async () => {
    const fake = new FakePrices();
    expect(
      (await spotQuotes(fake.ports, ["t9.mega"], 0)).get("t9.mega")?.usdPerHour,
    ).toBeUndefined();
  });
});
