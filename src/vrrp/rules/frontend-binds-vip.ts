import { vipAddress } from "../pair.js";
import { tcpListeners } from "./listeners.js";
import { defineVrrpRule } from "./vrrp-rule.js";

/**
 * A frontend binds the VIP's own address. Only the node holding the VIP has that address, so
 * HAProxy on every other node cannot bind it and refuses to start or reload, unless the kernel
 * allows binding foreign addresses (net.ipv4.ip_nonlocal_bind=1) or the bind is `transparent`.
 * The backup is then broken exactly when it must take over.
 */
export default defineVrrpRule({
  meta: {
    id: "vrrp/frontend-binds-vip",
    severity: "warning",
    description: "A frontend binds the VIP's address, which the backup nodes do not have.",
    needsConfig: true,
    messages: {
      bindsVip:
        "{kind} '{proxy}' binds the VIP {address}: on a node that does not hold the VIP, HAProxy cannot bind it and fails to start or reload unless net.ipv4.ip_nonlocal_bind=1",
    },
    hints: {
      bindsVip:
        "Bind *:{port} instead (the VIP's traffic arrives there once the node holds it), or set net.ipv4.ip_nonlocal_bind=1 on every node (in /etc/sysctl.d/) so HAProxy may bind an address it does not have yet.",
    },
  },
  check({ pair, config, report }) {
    if (!config) return;
    const address = vipAddress(pair);
    for (const l of tcpListeners(config)) {
      if (l.wildcard || (l.host !== address && l.host !== `::ffff:${address}`)) continue;
      // IP_TRANSPARENT lets a socket bind an address the machine does not have.
      if ("transparent" in l.bind.options) continue;
      report({
        messageId: "bindsVip",
        data: { kind: l.proxy.kind, proxy: l.proxy.name, address, port: l.port },
        span: l.address.span,
      });
    }
  },
});
