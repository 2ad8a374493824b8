import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic-file.js";

/** A configuration kept by the store. */
export interface StoredVersion {
  /** File name in the versions directory: `000012-3f2a9c1b7d4e.cfg`. */
  name: string;
  /** Its sequence number. */
  number: number;
  /** SHA-256 of the text, in hex. */
  hash: string;
  path: string;
}

/** The SHA-256 of a configuration's text, in hex. */
export function contentHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

const VERSION_NAME = /^\d{6}-[0-9a-f]{12}\.cfg$/;

/**
 * Numbered, content-hashed copies of every configuration the agent ran or tried, and the
 * last-known-good pointer, in the agent's data directory. A text already kept is not copied
 * again. Every file is written atomically, so a crash leaves each one whole or absent.
 */
export class ConfigStore {
  readonly directory: string;
  private readonly pointer: string;

  constructor(dataDir: string) {
    this.directory = join(dataDir, "versions");
    this.pointer = join(dataDir, "last-known-good");
    mkdirSync(this.directory, { recursive: true });
  }

  /** Keeps a copy of `text` (once per content) and returns it. */
  keep(text: string): StoredVersion {
    const hash = contentHash(text);
    const names = this.names();
    // The name carries the hash's first 12 digits: only a file whose name matches is read.
    for (const name of names) {
      if (name.slice(7, 19) !== hash.slice(0, 12)) continue;
      const kept = this.find(name);
      if (kept?.hash === hash) return kept;
    }
    const number = (names.length > 0 ? Number(names.at(-1)!.slice(0, 6)) : 0) + 1;
    const name = `${String(number).padStart(6, "0")}-${hash.slice(0, 12)}.cfg`;
    const path = join(this.directory, name);
    writeFileAtomic(path, text);
    return { name, number, hash, path };
  }

  /** Every kept version, oldest first. */
  versions(): StoredVersion[] {
    return this.names().map((name) => this.find(name) as StoredVersion);
  }

  /** The kept version with this file name, if there is one. */
  find(name: string): StoredVersion | undefined {
    if (!VERSION_NAME.test(name)) return undefined;
    const path = join(this.directory, name);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
    return { name, number: Number(name.slice(0, 6)), hash: contentHash(text), path };
  }

  /** The text of a kept version. */
  read(version: StoredVersion): string {
    return readFileSync(version.path, "utf8");
  }

  /** The version last promoted as known to work, if any. */
  lastKnownGood(): StoredVersion | undefined {
    if (!existsSync(this.pointer)) return undefined;
    return this.find(readFileSync(this.pointer, "utf8").trim());
  }

  /** File names of the kept versions, oldest first. */
  private names(): string[] {
    return readdirSync(this.directory)
      .filter((name) => VERSION_NAME.test(name))
      .sort();
  }

  /** Marks a kept version as the one to return to when a later change goes wrong. */
  promote(version: StoredVersion): void {
    writeFileAtomic(this.pointer, `${version.name}\n`);
  }
}
