import { assertSafePath } from "./node-paths.js";
import { parseCheckUrl, type VrrpPair } from "./pair.js";

/** Quotes a value for bash so that it stays one word whatever it holds. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The probe run under `timeout`: a fixed program that receives host, port and path as its
 * arguments, so no pair value is ever read as shell code. It connects with bash's /dev/tcp,
 * sends one HTTP/1.0 GET and succeeds only on a 2xx status line.
 */
const PROBE = `
  exec 3<>"/dev/tcp/$1/$2" || exit 1
  printf "GET %s HTTP/1.0\\r\\nHost: %s:%s\\r\\nUser-Agent: lbguard-vrrp-check\\r\\nConnection: close\\r\\n\\r\\n" "$3" "$1" "$2" >&3 || exit 1
  read -r version status _ <&3 || exit 1
  case "$version" in HTTP/1.[01]) ;; *) exit 1 ;; esac
  status="\${status%%[!0-9]*}"
  case "$status" in 2[0-9][0-9]) exit 0 ;; *) exit 1 ;; esac
`;

/**
 * The health script keepalived runs every `check.interval` seconds. It asks this node's HAProxy
 * for `check.url` through loopback instead of looking for the process: a process that runs but
 * does not serve (stuck, reloaded without the frontend, its port taken) must lose the VIP, and
 * network namespaces share one process table, so a process name proves nothing. It also fails
 * while `maintenanceFile` exists, which is how the agent hands the VIP over on purpose.
 */
export function renderCheckScript(pair: VrrpPair, maintenanceFile: string): string {
  assertSafePath(maintenanceFile);
  const url = parseCheckUrl(pair.check.url);
  if (!url) throw new Error(`check url '${pair.check.url}' was not validated by parseVrrpPair`);
  return `#!/bin/bash
# Health check of this node's HAProxy for keepalived, rendered by lbguard (docs/vrrp.md).
# Exit 0 when HAProxy answers ${pair.check.url} with 2xx within ${pair.check.timeoutSeconds} s;
# anything else puts the VRRP instance in FAULT, which gives the VIP away at once.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
maintenance_file=${shellQuote(maintenanceFile)}
host=${shellQuote(url.host)}
port=${shellQuote(String(url.port))}
path=${shellQuote(url.path)}
timeout_seconds=${shellQuote(String(pair.check.timeoutSeconds))}

# The agent creates the maintenance file to hand the VIP over on purpose.
if [ -e "$maintenance_file" ]; then
  exit 1
fi

# timeout bounds the connection, the request and the answer together; --kill-after ends a
# probe that ignores SIGTERM.
exec timeout --kill-after=1 "$timeout_seconds" bash -c '${PROBE}' lbguard-check "$host" "$port" "$path"
`;
}

/**
 * The script keepalived calls on every transition of the instance, with INSTANCE, its name, the
 * new state (MASTER, BACKUP, FAULT, STOP or DELETED) and the priority. It writes the state and
 * priority as one line to `stateFile`, replaced whole, for the agent to read.
 */
export function renderNotifyScript(stateFile: string): string {
  assertSafePath(stateFile);
  return `#!/bin/bash
# Records this node's VRRP state for the lbguard agent, rendered by lbguard (docs/vrrp.md).
# keepalived calls it on every transition with: INSTANCE NAME STATE PRIORITY.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
state_file=${shellQuote(stateFile)}
state="$3"
case "$state" in
  MASTER | BACKUP | FAULT | STOP | DELETED) ;;
  *) exit 0 ;;
esac

# Written beside the file and renamed over it, so the agent never reads half a line.
tmp="$state_file.$$"
printf '%s %s\\n' "$state" "\${4:-0}" >"$tmp" && mv -f "$tmp" "$state_file"
`;
}
