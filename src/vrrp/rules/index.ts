import checkUrlNotServed from "./check-url-not-served.js";
import duplicatePriority from "./duplicate-priority.js";
import frontendBindsVip from "./frontend-binds-vip.js";
import singleNode from "./single-node.js";
import vipNotServed from "./vip-not-served.js";
import type { VrrpRule } from "./vrrp-rule.js";

/** Every pair rule, sorted by id. A test keeps this list sorted and complete. */
export const VRRP_RULES: readonly VrrpRule[] = [
  checkUrlNotServed,
  duplicatePriority,
  frontendBindsVip,
  singleNode,
  vipNotServed,
];
