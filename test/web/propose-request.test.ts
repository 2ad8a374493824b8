import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BODIES } from "../../src/server/schemas.js";
import { configServers, proposeRequest, type ProposeForm } from "../../web/src/data/propose-request.js";

const text = readFileSync("examples/change/before.cfg", "utf8");
const form = (fields: Partial<ProposeForm>): ProposeForm => ({
  kind: "config",
  base: { version: 3, text },
  message: "why",
  config: text,
  backend: "",
  server: "",
  action: "drain",
  weight: "",
  draft: false,
  ...fields,
});

/** The fields the server's body schema accepts, so a built request never fails on its shape. */
const allowed = Object.keys(BODIES.propose.properties);

describe("propose request", () => {
  it("sends an edited configuration against the version it started from", () => {
    const edited = text.replace("weight 10", "weight 11");
    const built = proposeRequest(form({ config: edited, message: "  more to web-01 ", draft: true }));
    expect(built).toEqual({ request: { parent: 3, message: "more to web-01", config: edited, draft: true } });
    if ("request" in built)
      expect(Object.keys(built.request).filter((k) => !allowed.includes(k))).toEqual([]);
  });

  it("says what is missing instead of sending a change that changes nothing", () => {
    expect(proposeRequest(form({}))).toEqual({
      problem: "the configuration is still version 3's: edit it or load a file first",
    });
    expect(proposeRequest(form({ message: " ", config: "x" }))).toMatchObject({ problem: /message/ });
    expect(proposeRequest(form({ kind: "runtime", backend: "web" }))).toMatchObject({ problem: /server/ });
  });

  it("builds runtime operations, weights as whole numbers from 0 to 256", () => {
    expect(
      proposeRequest(form({ kind: "runtime", backend: "web", server: "web-01", action: "drain" })),
    ).toEqual({
      request: {
        parent: 3,
        message: "why",
        operation: { backend: "web", server: "web-01", action: { kind: "drain" } },
      },
    });
    expect(
      proposeRequest(
        form({ kind: "runtime", backend: "web", server: "web-01", action: "weight", weight: "0" }),
      ),
    ).toMatchObject({ request: { operation: { action: { kind: "weight", weight: 0 } } } });
    for (const weight of ["", "257", "1.5", "-1", "ten"])
      expect([
        weight,
        proposeRequest(form({ kind: "runtime", backend: "b", server: "s", action: "weight", weight })),
      ]).toEqual([weight, { problem: "a weight is a whole number from 0 to 256" }]);
  });

  it("lists each backend's servers, and not a peers section's", () => {
    expect(configServers(text)).toEqual([
      { backend: "web", servers: ["web-01", "web-02"] },
      { backend: "api", servers: ["api-01"] },
    ]);
    const withPeers = `${text}\npeers mypeers\n    server lb-1 10.0.0.9:1024\nlisten stats\n    server s1 10.0.0.8:80 # comment\n`;
    expect(configServers(withPeers).slice(2)).toEqual([{ backend: "stats", servers: ["s1"] }]);
  });
});
