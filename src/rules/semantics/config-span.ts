import type { Config } from "../../model/config.js";
import type { SourceSpan } from "../../model/span.js";

/**
 * Where a finding about the configuration as a whole goes: the global section's header, else the
 * top of the first file.
 */
export function configSpan(config: Config): SourceSpan {
  if (config.global.span) return config.global.span;
  const file = config.files[0] ?? "";
  return { file, line: 1, column: 1, endLine: 1, endColumn: 1 };
}
