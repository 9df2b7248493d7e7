import { describe, expect, it } from "vitest";
import { isHostPort, parseCidr, parseIpv6 } from "../../../shared/domain/net.ts";

describe("parseCidr", () => {
  it("parses IPv4 blocks at the prefix boundaries", () => {
    expect(parseCidr("0.0.0.0/0")).toEqual({ version: 4, prefix: 0, cidr: "0.0.0.0/0" });
    expect(parseCidr("192.0.2.7/32")).toEqual({ version: 4, prefix: 32, cidr: "192.0.2.7/32" });
    expect(parseCidr("192.0.2.128/25")).toMatchObject({ cidr: "192.0.2.128/25" });
  });
  it("refuses host bits in the last partial byte", () => {
    expect(parseCidr("192.0.2.129/25")).toContain("192.0.2.128/25");
  });
  it("compresses the longest run of zero groups in IPv6", () => {
    expect(parseCidr("2001:db8:0:0:1:0:0:0/128")).toMatchObject({ cidr: "2001:db8:0:0:1::/128" });
    expect(parseCidr("fe80:0:0:0:0:0:0:0/10")).toMatchObject({ cidr: "fe80::/10", version: 6 });
    expect(parseCidr("0:0:0:0:0:0:0:1/128")).toMatchObject({ cidr: "::1/128" });
  });
  it("reads an IPv4 tail in IPv6", () => {
    expect(parseIpv6("::ffff:192.0.2.1")?.slice(10)).toEqual([0xff, 0xff, 192, 0, 2, 1]);
  });
  it("refuses malformed IPv6", () => {
    for (const text of [
      ":::",
      "1::2::3",
      "1:2:3:4:5:6:7",
      "12345::",
      "::1%eth0",
      "1:2:3:4:5:6:7:8::",
    ]) {
      expect(parseIpv6(text), text).toBeUndefined();
    }
  });
});

describe("isHostPort", () => {
  it("accepts a 253-character name and port 65535", () => {
    const name = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`;
    expect(name).toHaveLength(253);
    expect(isHostPort(`${name}:65535`)).toBe(true);
    expect(isHostPort(`${name}x`)).toBe(false);
  });
  it("refuses a 64-character label", () => expect(isHostPort(`${"a".repeat(64)}.org`)).toBe(false));
  it("refuses a bare IPv6 address without brackets", () =>
    expect(isHostPort("2001:db8::1")).toBe(false));
});
