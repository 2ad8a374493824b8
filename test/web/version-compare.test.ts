import { describe, expect, it } from "vitest";
import type { VersionInfo } from "../../src/control/api-types.js";
import {
  defaultPair,
  pairFromParams,
  pairPath,
  pairToShow,
  previousVersion,
} from "../../web/src/data/version-compare.js";

function version(id: number, parent?: number): VersionInfo {
  return {
    id,
    cluster: "web",
    hash: String(id).repeat(64).slice(0, 64),
    author: "alice",
    message: `v${id}`,
    ...(parent !== undefined ? { parent } : {}),
    createdAt: "2026-11-21T10:00:00.000Z",
  };
}

// Newest first, as GET /clusters/:cluster/versions answers; version 4 is a rollback to 2's text made from 3.
const VERSIONS = [version(4, 3), version(3, 2), version(2), version(1)];

describe("which versions the history compares", () => {
  it("takes a version's recorded parent as its previous one, else the next older", () => {
    expect(previousVersion(VERSIONS, 4)).toBe(3);
    expect(previousVersion(VERSIONS, 2)).toBe(1);
    expect(previousVersion(VERSIONS, 1)).toBeUndefined();
  });

  it("shows the newest version against its previous one when the address names no pair", () => {
    expect(defaultPair(VERSIONS)).toEqual({ from: 3, to: 4 });
    expect(defaultPair([version(1)])).toBeUndefined();
    expect(defaultPair([])).toBeUndefined();
  });

  it("reads a pair from the route and writes it back", () => {
    expect(pairFromParams({ from: "2", to: "4" })).toEqual({ from: 2, to: 4 });
    expect(pairFromParams({ from: "x", to: "4" })).toBeUndefined();
    expect(pairFromParams({})).toBeUndefined();
    expect(pairPath({ from: 2, to: 4 })).toBe("/history/2/4");
  });

  it("falls back on the default pair when the address names versions of another cluster", () => {
    expect(pairToShow({ from: "1", to: "3" }, VERSIONS)).toEqual({ from: 1, to: 3 });
    expect(pairToShow({ from: "1", to: "9" }, VERSIONS)).toEqual({ from: 3, to: 4 });
    expect(pairToShow({}, VERSIONS)).toEqual({ from: 3, to: 4 });
  });
});
