import type { SourceSpan } from "./span.js";

/**
 * Where an effective value came from: written in the section itself, inherited from a defaults
 * section or from `default-server`, or HAProxy's built-in default.
 */
export type Origin = "section" | "defaults" | "default-server" | "builtin";

/** A setting's effective value and the line that decided it (none for built-in defaults). */
export interface Effective<T> {
  value: T;
  origin: Origin;
  span?: SourceSpan;
  /** The defaults section it was inherited through, when origin is `defaults`. */
  via?: string;
}

/** Builds a built-in default, which no line of the configuration decided. */
export function builtin<T>(value: T): Effective<T> {
  return { value, origin: "builtin" };
}
