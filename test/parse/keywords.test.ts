import { describe, expect, it } from "vitest";
import {
  BIND_OPTIONS,
  closestKeyword,
  GLOBAL_KEYWORDS,
  PROXY_KEYWORDS,
  PROXY_OPTIONS,
  SECTION_KEYWORDS,
  SERVER_OPTIONS,
} from "../../src/haproxy/parse/keywords.js";
import { cfg, parse } from "../helpers.js";

describe("keyword tables", () => {
  it("hold whole keywords only (a wrapped table once split 'tcp-check' in two)", () => {
    const all = [
      ...SECTION_KEYWORDS,
      ...PROXY_KEYWORDS,
      ...PROXY_OPTIONS,
      ...GLOBAL_KEYWORDS,
      ...SERVER_OPTIONS.keys(),
      ...BIND_OPTIONS.keys(),
    ];
    for (const keyword of all) expect(keyword).toMatch(/^[a-z0-9_][a-z0-9._-]*[a-z0-9_]$/i);
    for (const option of [
      "tcp-check",
      "http-server-close",
      "http-keep-alive",
      "httpchk",
      "redispatch",
      "allbackups",
    ]) {
      expect(PROXY_OPTIONS.has(option), option).toBe(true);
    }
    expect(GLOBAL_KEYWORDS.has("ssl-default-bind-ciphers")).toBe(true);
    expect(GLOBAL_KEYWORDS.has("hash-type")).toBe(false);
  });

  it("suggests the closest keyword for a typo", () => {
    expect(closestKeyword("balanc", PROXY_KEYWORDS)).toBe("balance");
    expect(closestKeyword("chek", SERVER_OPTIONS.keys())).toBe("check");
    expect(closestKeyword("zzzzzz", PROXY_KEYWORDS)).toBeUndefined();
  });

  it("accepts every option of a typical production configuration", () => {
    const { diagnostics } = parse(
      cfg(
        "global",
        "    log /dev/log local0",
        "    chroot /var/lib/haproxy",
        "    stats socket /run/haproxy/admin.sock mode 660 level admin expose-fd listeners",
        "    stats timeout 30s",
        "    user haproxy",
        "    group haproxy",
        "    daemon",
        "    ca-base /etc/ssl/certs",
        "    ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets",
        "    tune.ssl.default-dh-param 2048",
        "defaults",
        "    log global",
        "    mode http",
        "    option httplog",
        "    option dontlognull",
        "    option http-server-close",
        "    option forwardfor except 127.0.0.0/8",
        "    option tcp-check",
        "    timeout connect 5000",
        "    errorfile 503 /etc/haproxy/errors/503.http",
        "backend be",
        "    http-request set-header X-Forwarded-Proto https if { ssl_fc }",
        "    server s1 10.0.0.1:80 check inter 2s fall 3 rise 2 maxconn 100 send-proxy-v2 ssl verify none",
      ),
    );
    expect(diagnostics).toEqual([]);
  });
});
