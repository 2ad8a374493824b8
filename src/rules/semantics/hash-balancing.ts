/** Balance algorithms that pick a server from a hash of the request or the client. */
export const HASH_ALGORITHMS: ReadonlySet<string> = new Set([
  "source",
  "uri",
  "url_param",
  "hdr",
  "rdp-cookie",
  "hash",
]);
