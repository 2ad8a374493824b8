import { LbguardError } from "../errors.js";

/**
 * A duration option in seconds (`--bake`, `--warmup`), from 0 to an hour; undefined when the
 * option is absent, LBG_USAGE naming the option otherwise.
 */
export function secondsOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(value >= 0 && value <= 3600)) {
    throw new LbguardError("LBG_USAGE", {
      detail: `--${name} must be between 0 and 3600 seconds, not '${text}'`,
    });
  }
  return value;
}
