import type { Address } from "../../model/server.js";
import type { SourceSpan } from "../../model/span.js";

/** Address families HAProxy accepts as a prefix such as `ipv4@` or `unix@`. */
const FAMILY_PREFIX = /^(ipv4|ipv6|unix|abns|fd|sockpair|udp|udp4|udp6|tcp|tcp4|tcp6|quic4|quic6|uxst|uxdg)@/;

/**
 * Where the colon of `a.b.c.d:port` is (1 to 3 digits per part, each at most 255; 1 to 5 digits
 * of port, at most 65535), or -1 when `text` is not exactly that.
 */
function dottedQuadColon(text: string): number {
  let i = 0;
  for (let part = 0; part < 4; part++) {
    const first = i;
    let value = 0;
    for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i))
      value = value * 10 + c - 48;
    const digits = i - first;
    if (digits < 1 || digits > 3 || value > 255) return -1;
    if (text.charCodeAt(i) !== (part === 3 ? COLON : DOT)) return -1;
    i++;
  }
  const colon = i - 1;
  const digits = text.length - i;
  if (digits < 1 || digits > 5) return -1;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
  }
  return digitsValue(text, colon + 1) <= 65535 ? colon : -1;
}

/** The number the digits from `text[from]` to its end spell. */
function digitsValue(text: string, from: number): number {
  let value = 0;
  for (let i = from; i < text.length; i++) value = value * 10 + text.charCodeAt(i) - 48;
  return value;
}

const DOT = 46;
const COLON = 58;

export type AddressRead = { ok: true; address: Address } | { ok: false; reason: string };

/**
 * Reads a listening or server address (`host:port`, `[v6]:port`, `*:80`, `/path`, `ipv4@...`).
 * Port ranges (`8000-8010`) and offsets (`+1`) are accepted where HAProxy accepts them.
 */
export function readAddress(text: string, span: SourceSpan): AddressRead {
  // Fast path for the common `a.b.c.d:port`, read without a regex as large files have many.
  const colon = dottedQuadColon(text);
  if (colon > 0) {
    return {
      ok: true,
      address: { text, kind: "ipv4", host: text.slice(0, colon), port: digitsValue(text, colon + 1), span },
    };
  }
  let rest = text;
  let family: string | undefined;
  const prefix = FAMILY_PREFIX.exec(rest);
  if (prefix) {
    family = prefix[1];
    rest = rest.slice(prefix[0].length);
  }
  if (family === "unix" || family === "uxst" || family === "uxdg" || (!family && rest.startsWith("/"))) {
    return { ok: true, address: { text, kind: "unix", host: rest, span } };
  }
  if (family === "abns") return { ok: true, address: { text, kind: "abstract", host: rest, span } };
  if (family === "fd" || family === "sockpair")
    return { ok: true, address: { text, kind: "other", host: rest, span } };

  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(rest);
  if (bracketed) {
    host = bracketed[1] as string;
    portText = bracketed[2];
  } else {
    const colons = rest.split(":").length - 1;
    if (colons === 0) {
      host = rest;
    } else if (
      colons === 1 ||
      family === "ipv4" ||
      family === "tcp4" ||
      family === "udp4" ||
      family === "quic4"
    ) {
      const at = rest.lastIndexOf(":");
      host = rest.slice(0, at);
      portText = rest.slice(at + 1);
    } else {
      // Unbracketed IPv6: HAProxy takes what follows the last colon as the port.
      const at = rest.lastIndexOf(":");
      host = rest.slice(0, at);
      portText = rest.slice(at + 1);
    }
  }

  const address: Address = { text, kind: "hostname", host, span };
  if (host === "" || host === "*" || host === "::") {
    address.kind = host === "::" ? "ipv6" : "ipv4";
    address.host = host === "::" ? "::" : "0.0.0.0";
  } else if (host.includes(":")) {
    address.kind = "ipv6";
  } else if (/^[0-9.]+$/.test(host)) {
    const expanded = expandIpv4(host);
    if (!expanded) return { ok: false, reason: `'${host}' is not a valid IPv4 address` };
    address.kind = "ipv4";
    address.host = expanded;
    if (expanded !== host) address.truncatedIpv4 = true;
  } else if (!/^[A-Za-z0-9_.-]+$/.test(host)) {
    return { ok: false, reason: `'${host}' is neither an IP address nor a host name` };
  }

  if (portText !== undefined && portText !== "") {
    const port = readPortSpec(portText);
    if (!port.ok) return port;
    Object.assign(address, port.value);
  }
  return { ok: true, address };
}

function readPortSpec(
  text: string,
): { ok: true; value: Pick<Address, "port" | "portEnd" | "portOffset"> } | { ok: false; reason: string } {
  const offset = /^[+-](\d+)$/.exec(text);
  if (offset) return { ok: true, value: { port: Number(text), portOffset: true } };
  const range = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!range) return { ok: false, reason: `'${text}' is not a port number` };
  const port = Number(range[1]);
  const portEnd = range[2] === undefined ? undefined : Number(range[2]);
  if (port > 65535 || (portEnd !== undefined && (portEnd > 65535 || portEnd < port))) {
    return { ok: false, reason: `port '${text}' is outside 0..65535` };
  }
  return { ok: true, value: portEnd === undefined ? { port } : { port, portEnd } };
}

/**
 * Expands a dotted IPv4 address the way inet_aton does: `a.b.c.d` as is, `a.b.c` with c as the
 * last 16 bits, `a.b` with b as the last 24 bits, `a` as the whole 32 bits. Returns null when a
 * part is out of range or the shape is not numeric.
 */
export function expandIpv4(host: string): string | null {
  const parts = host.split(".");
  if (parts.length > 4 || parts.some((p) => !/^\d+$/.test(p))) return null;
  const nums = parts.map(Number);
  const lastBits = 8 * (5 - nums.length);
  const leading = nums.slice(0, -1);
  const last = nums[nums.length - 1] as number;
  if (leading.some((p) => p > 255) || last >= 2 ** lastBits) return null;
  const bytes = [...leading];
  for (let shift = lastBits - 8; shift >= 0; shift -= 8) bytes.push(Math.floor(last / 2 ** shift) % 256);
  return bytes.join(".");
}
