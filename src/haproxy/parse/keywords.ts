/**
 * Keyword tables for HAProxy 2.6, taken from the keyword registrations of HAProxy 2.6.0's source
 * (plus `quic-cc-algo`, backported later in 2.6). They decide which lines lbguard interprets,
 * which it keeps as known-but-uninterpreted, and which it reports as unknown, as HAProxy does,
 * with a "did you mean" when a known keyword is one or two edits away.
 */

function words(text: string): ReadonlySet<string> {
  return new Set(text.split(/\s+/).filter((w) => w.length > 0));
}

/** Section headers. */
export const SECTION_KEYWORDS = words(`
  backend cache defaults fcgi-app frontend global http-errors listen log-forward mailers
  namespace_list peers program resolvers ring userlist
`);

/** First words valid in frontend/backend/listen/defaults sections. */
export const PROXY_KEYWORDS = words(`
  acl backlog balance bind bind-process capture clitcpka-cnt clitcpka-idle clitcpka-intvl
  compression cookie declare default-server default_backend description disabled dispatch
  dynamic-cookie-key email-alert enabled error-log-format errorfile errorfiles errorloc
  errorloc302 errorloc303 external-check filter force-persist fullconn hash-balance-factor
  hash-type http-after-response http-check http-error http-request http-response http-reuse
  http-send-name-header id ignore-persist load-server-state-from-file log log-format
  log-format-sd log-tag max-keep-alive-queue max-session-srv-conns maxconn mode monitor
  monitor-uri option persist rate-limit redirect retries retry-on server server-state-file-name
  server-template source srvtcpka-cnt srvtcpka-idle srvtcpka-intvl stats stick stick-table
  tcp-check tcp-request tcp-response timeout transparent unique-id-format unique-id-header
  use-fcgi-app use-server use_backend
`);

/** Options accepted after `option` (and `no option`). */
export const PROXY_OPTIONS = words(`
  abortonclose accept-invalid-http-request accept-invalid-http-response allbackups checkcache
  clitcpka contstats disable-h2-upgrade dontlog-normal dontlognull external-check forwardfor
  h1-case-adjust-bogus-client h1-case-adjust-bogus-server http-buffer-request http-ignore-probes
  http-keep-alive http-no-delay http-pretend-keepalive http-restrict-req-hdr-names
  http-server-close http-use-proxy-header httpchk httpclose httplog httpslog
  idle-close-on-response independent-streams ldap-check log-health-checks log-separate-errors
  logasap mysql-check nolinger originalto persist pgsql-check prefer-last-server redis-check
  redispatch smtpchk socket-stats splice-auto splice-request splice-response spop-check srvtcpka
  ssl-hello-chk tcp-check tcp-smart-accept tcp-smart-connect tcpka tcplog transparent
`);

/** Timeout names accepted after `timeout`. */
export const TIMEOUT_NAMES = words(`
  check client client-fin connect http-keep-alive http-request queue server server-fin tarpit
  tunnel
`);

/**
 * Server and default-server keywords with the number of words each takes after it.
 * Flags take 0.
 */
export const SERVER_OPTIONS: ReadonlyMap<string, number> = new Map(
  Object.entries({
    addr: 1,
    "agent-addr": 1,
    "agent-check": 0,
    "agent-inter": 1,
    "agent-port": 1,
    "agent-send": 1,
    "allow-0rtt": 0,
    alpn: 1,
    backup: 0,
    "ca-file": 1,
    check: 0,
    "check-alpn": 1,
    "check-proto": 1,
    "check-send-proxy": 0,
    "check-sni": 1,
    "check-ssl": 0,
    "check-via-socks4": 0,
    ciphers: 1,
    ciphersuites: 1,
    cookie: 1,
    "crl-file": 1,
    crt: 1,
    disabled: 0,
    downinter: 1,
    enabled: 0,
    "error-limit": 1,
    fall: 1,
    fastinter: 1,
    "force-sslv3": 0,
    "force-tlsv10": 0,
    "force-tlsv11": 0,
    "force-tlsv12": 0,
    "force-tlsv13": 0,
    id: 1,
    "init-addr": 1,
    inter: 1,
    interface: 1,
    "log-proto": 1,
    "max-reuse": 1,
    maxconn: 1,
    maxqueue: 1,
    minconn: 1,
    namespace: 1,
    "no-agent-check": 0,
    "no-backup": 0,
    "no-check": 0,
    "no-check-send-proxy": 0,
    "no-check-ssl": 0,
    "no-send-proxy": 0,
    "no-send-proxy-v2": 0,
    "no-send-proxy-v2-ssl": 0,
    "no-send-proxy-v2-ssl-cn": 0,
    "no-ssl": 0,
    "no-ssl-reuse": 0,
    "no-sslv3": 0,
    "no-tfo": 0,
    "no-tls-tickets": 0,
    "no-tlsv10": 0,
    "no-tlsv11": 0,
    "no-tlsv12": 0,
    "no-tlsv13": 0,
    "non-stick": 0,
    npn: 1,
    observe: 1,
    "on-error": 1,
    "on-marked-down": 1,
    "on-marked-up": 1,
    "pool-low-conn": 1,
    "pool-max-conn": 1,
    "pool-purge-delay": 1,
    port: 1,
    proto: 1,
    "proxy-v2-options": 1,
    redir: 1,
    "resolve-net": 1,
    "resolve-opts": 1,
    "resolve-prefer": 1,
    resolvers: 1,
    rise: 1,
    "send-proxy": 0,
    "send-proxy-v2": 0,
    "send-proxy-v2-ssl": 0,
    "send-proxy-v2-ssl-cn": 0,
    slowstart: 1,
    sni: 1,
    socks4: 1,
    source: 1,
    ssl: 0,
    "ssl-max-ver": 1,
    "ssl-min-ver": 1,
    "ssl-reuse": 0,
    stick: 0,
    "tcp-ut": 1,
    tfo: 0,
    "tls-tickets": 0,
    track: 1,
    usesrc: 1,
    verify: 1,
    verifyhost: 1,
    weight: 1,
    ws: 1,
  }),
);

/** Bind keywords with the number of words each takes after it. */
export const BIND_OPTIONS: ReadonlyMap<string, number> = new Map(
  Object.entries({
    "accept-netscaler-cip": 1,
    "accept-proxy": 0,
    "allow-0rtt": 0,
    alpn: 1,
    backlog: 1,
    "ca-file": 1,
    "ca-ignore-err": 1,
    "ca-sign-file": 1,
    "ca-sign-pass": 1,
    "ca-verify-file": 1,
    ciphers: 1,
    ciphersuites: 1,
    "crl-file": 1,
    crt: 1,
    "crt-ignore-err": 1,
    "crt-list": 1,
    curves: 1,
    "defer-accept": 0,
    ecdhe: 1,
    "expose-fd": 1,
    "force-sslv3": 0,
    "force-tlsv10": 0,
    "force-tlsv11": 0,
    "force-tlsv12": 0,
    "force-tlsv13": 0,
    "generate-certificates": 0,
    gid: 1,
    group: 1,
    id: 1,
    interface: 1,
    level: 1,
    maxconn: 1,
    mode: 1,
    mss: 1,
    name: 1,
    namespace: 1,
    nice: 1,
    "no-ca-names": 0,
    "no-sslv3": 0,
    "no-tls-tickets": 0,
    "no-tlsv10": 0,
    "no-tlsv11": 0,
    "no-tlsv12": 0,
    "no-tlsv13": 0,
    npn: 1,
    "prefer-client-ciphers": 0,
    process: 1,
    proto: 1,
    "quic-cc-algo": 1,
    "quic-force-retry": 0,
    "severity-output": 1,
    shards: 1,
    ssl: 0,
    "ssl-max-ver": 1,
    "ssl-min-ver": 1,
    "strict-sni": 0,
    "tcp-ut": 1,
    tfo: 0,
    thread: 1,
    "tls-ticket-keys": 1,
    transparent: 0,
    uid: 1,
    user: 1,
    v4v6: 0,
    v6only: 0,
    verify: 1,
  }),
);

/**
 * Keywords HAProxy 2.6 refuses outright because they were removed, with what replaces them.
 */
export const REMOVED_PROXY_KEYWORDS: ReadonlyMap<string, string> = new Map([
  ...[
    "reqadd",
    "reqallow",
    "reqdel",
    "reqdeny",
    "reqiallow",
    "reqidel",
    "reqideny",
    "reqipass",
    "reqirep",
    "reqisetbe",
    "reqitarpit",
    "reqpass",
    "reqrep",
    "reqsetbe",
    "reqtarpit",
  ].map((k): [string, string] => [
    k,
    "an 'http-request' rule (add-header, del-header, replace-header, deny, ...)",
  ]),
  ...["rspadd", "rspdel", "rspdeny", "rspidel", "rspideny", "rspirep", "rsprep"].map(
    (k): [string, string] => [
      k,
      "an 'http-response' rule (add-header, del-header, replace-header, deny, ...)",
    ],
  ),
  ["block", "'http-request deny'"],
  ["contimeout", "'timeout connect'"],
  ["clitimeout", "'timeout client'"],
  ["srvtimeout", "'timeout server'"],
  ["redispatch", "'option redispatch'"],
  ["grace", "nothing in a proxy section (in the global section, 'grace' delays stopping an old process)"],
  ["appsession", "a stick-table with 'stick on' or 'cookie' persistence"],
  ["monitor-net", "'http-request return status 200 if { src ... }' or 'monitor-uri'"],
]);

/** Options removed before 2.6, with what replaces them. */
export const REMOVED_OPTIONS: ReadonlyMap<string, string> = new Map([
  ["forceclose", "'option httpclose'"],
  ["http-tunnel", "nothing: HAProxy 2.x always processes every request of a connection"],
  ["independant-streams", "'option independent-streams' (spelled with an e)"],
  ["http-use-htx", "nothing: HTX is always on since 2.1"],
  [
    "http_proxy",
    "nothing: the forward-proxy mode was removed in 2.6; use 'http-request set-dst' with 'server ... 0.0.0.0:0'",
  ],
]);

/** Global keywords removed before 2.6. */
export const REMOVED_GLOBAL_KEYWORDS: ReadonlyMap<string, string> = new Map([
  ["tune.chksize", "'tune.bufsize', which now sizes check buffers too"],
]);

/** First words valid in the global section, beyond the `tune.`, `ssl-` and similar families. */
export const GLOBAL_KEYWORDS = words(`
  51degrees-cache-size 51degrees-data-file 51degrees-property-name-list
  51degrees-property-separator busy-polling ca-base chroot close-spread-time cluster-secret
  cpu-map crt-base daemon default-path description deviceatlas-json-file deviceatlas-log-level
  deviceatlas-properties-cookie deviceatlas-property-separator expose-experimental-directives
  external-check fd-hard-limit gid grace group h1-accept-payload-with-any-method h1-case-adjust
  h1-case-adjust-file h2-workaround-bogus-websocket-clients hard-stop-after
  httpclient.resolvers.id httpclient.resolvers.prefer httpclient.ssl.ca-file
  httpclient.ssl.verify insecure-fork-wanted insecure-setuid-wanted issuers-chain-path localpeer
  log log-send-hostname log-tag lua-load lua-load-per-thread lua-prepend-path master-worker
  max-spread-checks maxcompcpuusage maxcomprate maxconn maxconnrate maxpipes maxsessrate
  maxsslconn maxsslrate maxzlibmem mworker-max-reloads nbthread no-memory-trimming node noepoll
  noevports nogetaddrinfo nokqueue nopoll noreuseport nosplice numa-cpu-mapping pidfile
  pp2-never-send-local presetenv profiling.memory profiling.tasks quiet resetenv
  server-state-base server-state-file set-dumpable set-var set-var-fmt setenv spread-checks
  ssl-default-bind-ciphers ssl-default-bind-ciphersuites ssl-default-bind-curves
  ssl-default-bind-options ssl-default-server-ciphers ssl-default-server-ciphersuites
  ssl-default-server-options ssl-dh-param-file ssl-engine ssl-load-extra-del-ext
  ssl-load-extra-files ssl-mode-async ssl-propquery ssl-provider ssl-provider-path
  ssl-server-verify ssl-skip-self-issued-ca stats strict-limits thread-group thread-groups
  tune.buffers.limit tune.buffers.reserve tune.bufsize tune.comp.maxlevel tune.fail-alloc
  tune.fd.edge-triggered tune.h2.header-table-size tune.h2.initial-window-size
  tune.h2.max-concurrent-streams tune.h2.max-frame-size tune.http.cookielen tune.http.logurilen
  tune.http.maxhdr tune.idle-pool.shared tune.idletimer tune.listener.multi-queue
  tune.lua.forced-yield tune.lua.maxmem tune.lua.service-timeout tune.lua.session-timeout
  tune.lua.task-timeout tune.maxaccept tune.maxpollevents tune.maxrewrite
  tune.pattern.cache-size tune.pipesize tune.pool-high-fd-ratio tune.pool-low-fd-ratio
  tune.quic.backend.max-idle-timeout tune.quic.frontend.conn-tx-buffers.limit
  tune.quic.frontend.max-idle-timeout tune.quic.frontend.max-streams-bidi
  tune.quic.retry-threshold tune.rcvbuf.client tune.rcvbuf.server tune.recv_enough
  tune.runqueue-depth tune.sched.low-latency tune.sndbuf.client tune.sndbuf.server
  tune.ssl.cachesize tune.ssl.capture-buffer-size tune.ssl.capture-cipherlist-size
  tune.ssl.default-dh-param tune.ssl.force-private-cache tune.ssl.hard-maxrecord tune.ssl.keylog
  tune.ssl.lifetime tune.ssl.maxrecord tune.ssl.ssl-ctx-cache-size tune.vars.check-max-size
  tune.vars.global-max-size tune.vars.proc-max-size tune.vars.reqres-max-size
  tune.vars.sess-max-size tune.vars.txn-max-size tune.zlib.memlevel tune.zlib.windowsize uid
  ulimit-n unix-bind unsetenv user wurfl-cache-size wurfl-data-file wurfl-engine-mode
  wurfl-information-list wurfl-information-list-separator wurfl-patch-file
  wurfl-useragent-priority zero-warning
`);

/**
 * Returns the known keyword closest to `word` when it is at most two edits away, to suggest in
 * "did you mean" hints; undefined when nothing is that close.
 */
export function closestKeyword(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - word.length) >= bestDistance) continue;
    const d = editDistance(word, candidate, bestDistance);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning `limit`) once it is certain to reach `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      row.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin >= limit) return limit;
    prev = row;
  }
  return prev[b.length] as number;
}
