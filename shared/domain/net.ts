/** Parsing of the network values setup takes: CIDR blocks and `host[:port]` addresses. */

/** A CIDR block in canonical text (lower case, zeros compressed as EC2 stores it). */
export interface Cidr {
  version: 4 | 6;
  prefix: number;
  cidr: string;
}

/** Parses an IPv4 or IPv6 CIDR; returns why it is invalid as a string. Host bits must be zero. */
export function parseCidr(text: string): Cidr | string {
  const match = /^([^/]+)\/(0|[1-9][0-9]{0,2})$/.exec(text);
  if (!match?.[1] || !match[2]) return "must be a CIDR block such as 192.0.2.0/24 or 2001:db8::/32";
  const bytes = parseIpv4(match[1]) ?? parseIpv6(match[1]);
  if (!bytes) return "must be a CIDR block such as 192.0.2.0/24 or 2001:db8::/32";
  const version = bytes.length === 4 ? 4 : 6;
  const prefix = Number(match[2]);
  if (prefix > bytes.length * 8) return `prefix length must be at most ${bytes.length * 8}`;
  const network = bytes.map((byte, i) => byte & maskByte(prefix - i * 8));
  const cidr = `${formatAddress(network)}/${prefix}`;
  if (network.some((byte, i) => byte !== bytes[i]))
    return `has host bits set (did you mean ${cidr}?)`;
  return { version, prefix, cidr };
}

function maskByte(bits: number): number {
  if (bits >= 8) return 0xff;
  if (bits <= 0) return 0;
  return (0xff << (8 - bits)) & 0xff;
}

/** The four bytes of a dotted-quad IPv4 address (no leading zeros), or undefined. */
export function parseIpv4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((part) => (/^(0|[1-9][0-9]{0,2})$/.test(part) ? Number(part) : 256));
  return bytes.every((byte) => byte <= 255) ? bytes : undefined;
}

/** The sixteen bytes of an IPv6 address (with `::` and an optional IPv4 tail), or undefined. */
export function parseIpv6(text: string): number[] | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = halves.map((half) => (half === "" ? [] : half.split(":")));
  const words: number[][] = [];
  for (const [h, list] of groups.entries()) {
    const parsed: number[] = [];
    for (const [i, group] of list.entries()) {
      const isLast = h === groups.length - 1 && i === list.length - 1;
      const v4 = isLast && group.includes(".") ? parseIpv4(group) : undefined;
      if (v4) parsed.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      else if (/^[0-9a-fA-F]{1,4}$/.test(group)) parsed.push(Number.parseInt(group, 16));
      else return undefined;
    }
    words.push(parsed);
  }
  const [head = [], tail = []] = words;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<number>(halves.length === 1 ? 0 : missing).fill(0), ...tail];
  return all.flatMap((word) => [word >> 8, word & 0xff]);
}

function formatAddress(bytes: number[]): string {
  if (bytes.length === 4) return bytes.join(".");
  const words = Array.from(
    { length: 8 },
    (_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0),
  );
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = words.map((word) => word.toString(16));
  if (best.length < 2) return hex.join(":");
  const left = hex.slice(0, best.start).join(":");
  const right = hex.slice(best.start + best.length).join(":");
  return `${left}::${right}`;
}

const DNS_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** True for `host` or `host:port`, host a DNS name, IPv4 address or `[IPv6]`, port 1–65535. */
export function isHostPort(text: string): boolean {
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::([1-9][0-9]{0,4}))?$/.exec(text);
  if (!match?.[1]) return false;
  if (match[2] !== undefined && Number(match[2]) > 65535) return false;
  const host = match[1];
  if (host.startsWith("[")) return parseIpv6(host.slice(1, -1)) !== undefined;
  if (/^[0-9.]+$/.test(host)) return parseIpv4(host) !== undefined;
  return DNS_NAME.test(host);
}
