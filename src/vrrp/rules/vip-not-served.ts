import { vipAddress } from "../pair.js";
import { tcpListeners } from "./listeners.js";
import { defineVrrpRule } from "./vrrp-rule.js";

/**
 * No frontend listens on the VIP, neither on its address nor on a wildcard: clients reach the
 * node that holds the VIP and are refused.
 */
export default defineVrrpRule({
  meta: {
    id: "vrrp/vip-not-served",
    severity: "error",
    description: "No frontend listens on the VIP's address or on a wildcard address.",
    needsConfig: true,
    messages: {
      vipNotServed:
        "no frontend listens on the VIP {address} nor on a wildcard address: clients of the VIP are refused on whichever node holds it",
    },
    hints: {
      vipNotServed:
        "Bind the frontends that serve clients on *:PORT (every address, including the VIP once it arrives), e.g. 'bind *:80'.",
    },
  },
  check({ pair, source, config, report }) {
    if (!config) return;
    const address = vipAddress(pair);
    const bound = tcpListeners(config).filter(
      (l) => l.bind.options.interface === undefined || l.bind.options.interface[0]?.text === pair.interface,
    );
    if (bound.some((l) => l.wildcard || l.host === address || l.host === `::ffff:${address}`)) return;
    report({ messageId: "vipNotServed", data: { address }, span: source.vip });
  },
});
