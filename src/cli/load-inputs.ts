import { expandConfigPaths, readConfigFiles, UnreadableInputError } from "../check/load-config-files.js";
import { readText } from "../read-text.js";
import { LbguardError } from "../errors.js";
import { parseConfig } from "../haproxy/parse/index.js";
import type { Inventory } from "../inventory/inventory.js";
import type { Config } from "../model/config.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { formatSpan } from "../model/span.js";

/** Config files as `haproxy -f` would read them, or LBG_UNREADABLE_INPUT naming the path. */
export async function loadConfigFiles(paths: string[]): Promise<{ path: string; text: string }[]> {
  try {
    return await readConfigFiles(await expandConfigPaths(paths));
  } catch (error) {
    if (error instanceof UnreadableInputError)
      throw new LbguardError(
        "LBG_UNREADABLE_INPUT",
        { path: error.path, reason: error.message.slice(error.path.length + 2) },
        { cause: error },
      );
    throw error;
  }
}

/** Reads and parses one configuration (a file or a directory) into the model. */
export async function loadConfig(path: string): Promise<{ model: Config; diagnostics: Diagnostic[] }> {
  return parseConfig(await loadConfigFiles([path]), { env: process.env });
}

/** Reads an inventory (or a drill scenario file), or LBG_BAD_INVENTORY listing every problem. */
export async function loadInventory(path: string): Promise<{ inventory: Inventory; text: string }> {
  const text = await readText(path);
  // Loaded only when asked for: the YAML library is most of lbguard's start-up time.
  const { readInventory } = await import("../inventory/read-inventory.js");
  const { inventory, diagnostics } = readInventory(path, text);
  if (diagnostics.length > 0) {
    const problems = diagnostics.map((d) => `  ${formatSpan(d.span)}: ${d.message}. ${d.hint}`).join("\n");
    throw new LbguardError("LBG_BAD_INVENTORY", { path, problems });
  }
  return { inventory, text };
}

export { readText };
