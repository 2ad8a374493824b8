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

/** HAProxy keeps timers in a signed 32-bit millisecond count (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Reads a duration as HAProxy does: digits followed by an optional unit among us, ms, s, m, h
 * and d. A bare number is in milliseconds (the default unit of every timeout).
 */
export function readTime(text: string): NumberRead {
  const m = /^(\d+)([a-z]*)$/.exec(text);
  if (!m) {
    if (text === "") return { ok: false, reason: "a duration is missing" };
    const bad = text.replace(/^\d+/, "")[0] ?? text[0];
    return { ok: false, reason: `unexpected character '${bad}' in duration '${text}'` };
  }
  const unit = m[2] as string;
  const factor = unit === "" ? 1 : TIME_UNITS_MS[unit];
  if (factor === undefined) {
    return { ok: false, reason: `unknown time unit '${unit}' in '${text}' (use us, ms, s, m, h or d)` };
  }
  const value = Number(m[1]) * factor;
  if (value > MAX_TIMER_MS)
    return { ok: false, reason: `duration '${text}' is longer than HAProxy's 24.8-day timer limit` };
  return { ok: true, value };
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
