/**
 * Every code the parser reports. docs/diagnostics.md documents each one and a test keeps the
 * two in step; the Diagnostics collector accepts only these.
 */
export const DIAGNOSTIC_CODES = [
  "address-on-section-line",
  "ambiguous-defaults",
  "bad-address",
  "bad-condition",
  "bad-number",
  "bad-value",
  "bind-without-port",
  "byte-order-mark",
  "check-without-port",
  "config-alert",
  "config-warning",
  "duplicate-name",
  "empty-anonymous-acl",
  "empty-condition",
  "keyword-ignored",
  "misplaced-block-directive",
  "missing-argument",
  "missing-final-newline",
  "missing-name",
  "out-of-section",
  "removed-keyword",
  "timer-trailing-characters",
  "too-many-words",
  "truncated-ipv4",
  "unclosed-anonymous-acl",
  "unknown-bind-option",
  "unknown-block-directive",
  "unknown-defaults",
  "unknown-keyword",
  "unknown-option",
  "unknown-server-option",
  "unterminated-block",
  "unterminated-quote",
  "unterminated-variable",
] as const;

export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];
