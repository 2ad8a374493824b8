import { LbguardError } from "../errors.js";

/** An instant as a person in one time zone reads it. */
export interface ZonedTime {
  /** `2026-11-21`. */
  date: string;
  /** `10:00:03`. */
  time: string;
  /** `10:00:03.120`. */
  timeMs: string;
  /** The zone's short name at that instant: `UTC`, `EST`, `UTC+5:30`. */
  zone: string;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat("en-US", {
        timeZone,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
        fractionalSecondDigits: 3,
        hourCycle: "h23",
        timeZoneName: "short",
      });
    } catch (error) {
      throw new LbguardError(
        "LBG_BAD_REQUEST",
        { detail: `'${timeZone}' is not a time zone; use an IANA name such as UTC or Europe/Paris` },
        { cause: error },
      );
    }
    formats.set(timeZone, format);
  }
  return format;
}

/**
 * Reads an ISO 8601 instant in an IANA time zone, to the millisecond. Throws LBG_BAD_REQUEST
 * when the zone is unknown. Offsets written as `GMT+2` are shown as `UTC+2`, as the seeds do.
 */
export function zonedTime(iso: string, timeZone: string): ZonedTime {
  const parts: Record<string, string> = {};
  for (const part of formatFor(timeZone).formatToParts(new Date(iso))) parts[part.type] = part.value;
  const time = `${parts.hour}:${parts.minute}:${parts.second}`;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time,
    timeMs: `${time}.${parts.fractionalSecond}`,
    zone: (parts.timeZoneName ?? timeZone).replace(/^GMT(?=[+-])/, "UTC"),
  };
}

/** A length of time in whole seconds for a sentence: `21 s`, `4 min 5 s`, `2 h 30 min`. */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
  const minutes = Math.round((s % 3600) / 60);
  const hours = Math.floor(s / 3600) + (minutes === 60 ? 1 : 0);
  return minutes === 0 || minutes === 60 ? `${hours} h` : `${hours} h ${minutes} min`;
}
