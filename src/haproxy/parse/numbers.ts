/** The outcome of reading a number from a configuration word. */
export type NumberRead = { ok: true; value: number } | { ok: false; reason: string };

const TIME_UNITS_MS: Record<string, number> = {
  us: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const UNIT_MS: ReadonlyMap<string, number> = new Map(Object.entries(TIME_UNITS_MS));

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** HAProxy keeps timers in a signed 32-bit millisecond count (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A duration HAProxy accepts, possibly with trailing characters it only warns about. */
export type TimeRead = { ok: true; value: number; trailing?: string } | { ok: false; reason: string };

/**
 * Reads a duration as HAProxy 2.6 does: digits, then an optional unit among us, ms, s, m, h and
 * d (a bare number is in milliseconds, the default unit of every timeout). Characters after a
 * valid unit (`10mn`) are accepted with a warning, which `trailing` carries; anything else fails.
 */
export function readTime(text: string): TimeRead {
  // Fast path for the plain forms (`2s`, `500ms`, `5000`) that large configurations repeat.
  let digits = 0;
  while (digits < text.length && isDigit(text.charCodeAt(digits))) digits++;
  if (digits > 0) {
    const factor = UNIT_MS.get(digits === text.length ? "ms" : text.slice(digits));
    if (factor !== undefined) {
      const value = Number(text.slice(0, digits)) * factor;
      if (value <= MAX_TIMER_MS) return { ok: true, value };
    }
  }
  const m = /^(\d+)(us|ms|s|m|h|d)?(.*)$/.exec(text);
  if (!m) {
    if (text === "") return { ok: false, reason: "a duration is missing" };
    return { ok: false, reason: `'${text}' does not start with a number` };
  }
  const unit = m[2];
  const rest = m[3] as string;
  if (unit === undefined && rest !== "") {
    return {
      ok: false,
      reason: `unexpected character '${rest[0]}' in duration '${text}' (units are us, ms, s, m, h, d)`,
    };
  }
  const value = Number(m[1]) * TIME_UNITS_MS[unit ?? "ms"]!;
  if (value > MAX_TIMER_MS)
    return { ok: false, reason: `duration '${text}' is longer than HAProxy's 24.8-day timer limit` };
  return rest === "" ? { ok: true, value } : { ok: true, value, trailing: rest };
}

/** Reads a non-negative decimal integer; HAProxy rejects signs, units and trailing garbage here. */
export function readCount(text: string): NumberRead {
  if (!/^\d+$/.test(text)) return { ok: false, reason: `'${text}' is not a whole number` };
  return { ok: true, value: Number(text) };
}

/** Reads an integer that must lie within `[min, max]`. */
export function readCountInRange(text: string, min: number, max: number): NumberRead {
  const read = readCount(text);
  if (!read.ok) return read;
  if (read.value < min || read.value > max) {
    return { ok: false, reason: `${read.value} is outside the allowed range ${min}..${max}` };
  }
  return read;
}
