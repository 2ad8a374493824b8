// IP address text as the simulator's routing (`src` rules) and `balance source` hashing read it.

/** Parses IPv4 or IPv6 text (an IPv6 zone such as `%eth0` is dropped) into its bytes. */
export function parseIpAddress(text: string): Uint8Array | undefined {
  const v4 = parseIpv4(text);
  if (v4) return v4;
  return parseIpv6(text.replace(/%.*$/, ""));
}

/** Dotted-quad IPv4 text into its four bytes, or undefined. */
export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    bytes[i] = Number(part);
  }
  return bytes;
}

/** IPv6 text (with `::` and an embedded IPv4 tail) into its sixteen bytes, or undefined. */
function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string): string[] => (half === "" ? [] : half.split(":"));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const words: number[] = [];
  const read = (list: string[], isLast: boolean): boolean => {
    for (let i = 0; i < list.length; i++) {
      const g = list[i]!;
      if (isLast && i === list.length - 1 && g.includes(".")) {
        const v4 = parseIpv4(g);
        if (!v4) return false;
        words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(g)) words.push(Number.parseInt(g, 16));
      else return false;
    }
    return true;
  };
  if (!read(head, halves.length === 1)) return undefined;
  const headWords = words.length;
  if (!read(tail, true)) return undefined;
  const missing = 8 - words.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [
    ...words.slice(0, headWords),
    ...new Array<number>(missing).fill(0),
    ...words.slice(headWords),
  ];
  const bytes = new Uint8Array(16);
  all.forEach((w, i) => {
    bytes[2 * i] = w >>> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

/** An IPv4 address as an unsigned 32-bit number, or undefined. */
export function ipv4Number(text: string): number | undefined {
  const bytes = parseIpv4(text);
  return bytes && ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}
