import { describe, expect, it } from "vitest";
import { expandIpv4, readAddress } from "../../src/haproxy/parse/address.js";

const span = { file: "f", line: 1, column: 1, endLine: 1, endColumn: 2 };

describe("addresses", () => {
  it("expands short dotted IPv4 the way the C resolver does", () => {
    expect(expandIpv4("10.10.188")).toBe("10.10.0.188");
    expect(expandIpv4("10.188")).toBe("10.0.0.188");
    expect(expandIpv4("167772161")).toBe("10.0.0.1");
    expect(expandIpv4("10.0.0.1")).toBe("10.0.0.1");
    expect(expandIpv4("10.0.0.999")).toBeNull();
  });

  it("reads the host, port and kind of the usual forms", () => {
    const read = (text: string) => {
      const r = readAddress(text, span);
      if (!r.ok) throw new Error(r.reason);
      return r.address;
    };
    expect(read("10.10.188:80")).toMatchObject({
      kind: "ipv4",
      host: "10.10.0.188",
      port: 80,
      truncatedIpv4: true,
    });
    expect(read("*:443")).toMatchObject({ kind: "ipv4", host: "0.0.0.0", port: 443 });
    expect(read(":80")).toMatchObject({ host: "0.0.0.0", port: 80 });
    expect(read("[::1]:8080")).toMatchObject({ kind: "ipv6", host: "::1", port: 8080 });
    expect(read("ipv4@127.0.0.1:9999")).toMatchObject({ kind: "ipv4", port: 9999 });
    expect(read("/run/haproxy/admin.sock")).toMatchObject({ kind: "unix" });
    expect(read("web.internal:8000-8010")).toMatchObject({ kind: "hostname", port: 8000, portEnd: 8010 });
    expect(read("10.0.0.1")).not.toHaveProperty("port");
    expect(readAddress("10.0.0.1:99999", span).ok).toBe(false);
  });
});
