import { readFile } from "node:fs/promises";
import { LbguardError } from "./errors.js";

/** The text of one file, or LBG_UNREADABLE_INPUT naming it and why. */
export async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new LbguardError(
      "LBG_UNREADABLE_INPUT",
      { path, reason: (error as Error).message },
      { cause: error },
    );
  }
}
