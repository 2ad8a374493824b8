import { describe, expect, it } from "vitest";
import { DEMO_NETWORK, parseDemoNetwork, relocateAddresses } from "../../src/demo/demo-network.js";
import { LbguardError } from "../../src/errors.js";

describe("relocateAddresses", () => {
  const network = { prefix: "127.0.91", firstPort: 18950 };

  it("moves each address of the demo network to the same host and port offset", () => {
    const text = "    bind 127.0.90.10:18900\n    server web-01 127.0.90.11:18910 check\n";
    expect(relocateAddresses(text, network)).toBe(
      "    bind 127.0.91.10:18950\n    server web-01 127.0.91.11:18960 check\n",
    );
  });

  it("leaves ports outside the demo's span and other addresses as they are", () => {
    const text = "127.0.90.11:18920 127.0.90.11:8080 127.0.0.1:18900 10.127.0.90.1:18900";
    expect(relocateAddresses(text, network)).toBe(text);
  });

  it("changes nothing on the demo's own network", () => {
    expect(relocateAddresses("127.0.90.10:18900", DEMO_NETWORK)).toBe("127.0.90.10:18900");
  });
});

describe("parseDemoNetwork", () => {
  it("takes three loopback octets and a first port", () => {
    expect(parseDemoNetwork("127.0.92", "18970")).toEqual({ prefix: "127.0.92", firstPort: 18970 });
  });

  it.each([
    ["10.0.0", "18970", "--addresses 10.0.0"],
    ["127.0.92.1", "18970", "--addresses 127.0.92.1"],
    ["127.0.256", "18970", "--addresses 127.0.256"],
    ["127.0.92", "80", "--first-port 80"],
    ["127.0.92", "65530", "--first-port 65530"],
  ])("refuses %s with first port %s", (prefix, port, named) => {
    expect(() => parseDemoNetwork(prefix, port)).toThrow(LbguardError);
    expect(() => parseDemoNetwork(prefix, port)).toThrow(named);
  });
});
