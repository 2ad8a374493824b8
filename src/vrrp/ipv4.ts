// IPv4 text as keepalived and `ip` write it: dotted quads, no leading zeros (which some
// resolvers read as octal), with or without a prefix length.

/** The address as a 32-bit number, or undefined when `text` is not a plain dotted quad. */
export function ipv4ToNumber(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

/** An address with its prefix length (`198.51.100.100/24`), or undefined. */
export function parseIpv4Prefix(
  text: string,
): { address: string; value: number; prefix: number } | undefined {
  const match = /^([0-9.]+)\/(0|[1-9]\d?)$/.exec(text);
  if (!match) return undefined;
  const value = ipv4ToNumber(match[1]!);
  const prefix = Number(match[2]);
  if (value === undefined || prefix > 32) return undefined;
  return { address: match[1]!, value, prefix };
}

/** True for 127.0.0.0/8. */
export function isLoopbackIpv4(value: number): boolean {
  return value >>> 24 === 127;
}

/**
 * Why an address cannot be a virtual IP on an Ethernet segment, or undefined when it can:
 * it must be a unicast host address, neither the network nor the broadcast address of its
 * prefix (for prefixes that have those).
 */
export function unusableVipReason(value: number, prefix: number): string | undefined {
  const first = value >>> 24;
  if (value === 0) return "0.0.0.0 means 'any address', not one address";
  if (first === 127) return "it is a loopback address, which never leaves the machine";
  if (first >= 224 && first <= 239) return "it is a multicast address";
  if (first >= 240) return "it is a reserved or broadcast address";
  if (prefix <= 30) {
    const hostBits = 2 ** (32 - prefix) - 1;
    const host = value % (hostBits + 1);
    if (host === 0) return `it is the network address of its /${prefix}`;
    if (host === hostBits) return `it is the broadcast address of its /${prefix}`;
  }
  return undefined;
}
