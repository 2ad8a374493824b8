import type { VrrpPair } from "../../src/vrrp/pair.js";

/** A two-node VRRPv2 pair as the docs' example writes it. */
export function samplePair(overrides: Partial<VrrpPair> = {}): VrrpPair {
  return {
    vip: "198.51.100.100/24",
    interface: "eth0",
    virtualRouterId: 51,
    advertInterval: 1,
    vrrpVersion: 2,
    authPass: "s3cret",
    check: { url: "http://127.0.0.1:8404/healthz", intervalSeconds: 1, timeoutSeconds: 1, fall: 1, rise: 2 },
    nodes: [
      { name: "lb-1", priority: 150 },
      { name: "lb-2", priority: 100 },
    ],
    ...overrides,
  };
}

/** The same pair as a pair file's text. */
export const SAMPLE_PAIR_YAML = `vip: 198.51.100.100/24
interface: eth0
virtual_router_id: 51
advert_interval: 1
vrrp_version: 2
auth_pass: s3cret
check:
  url: http://127.0.0.1:8404/healthz
nodes:
  - { name: lb-1, priority: 150 }
  - { name: lb-2, priority: 100 }
`;
