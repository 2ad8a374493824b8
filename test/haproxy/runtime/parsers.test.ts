import { describe, expect, it } from "vitest";
import { parseShowProc } from "../../../src/haproxy/runtime/master-cli.js";
import { classifyAnswer } from "../../../src/haproxy/runtime/runtime-errors.js";
import { stateCommandsToReapply } from "../../../src/haproxy/runtime/server-state.js";
import { parseServersState, parseShowInfo, parseShowStat } from "../../../src/haproxy/runtime/show-stat.js";
import { socketTarget } from "../../../src/haproxy/runtime/socket-command.js";

/* Answers captured from HAProxy 2.6.12 (s1 checked and refused, s2 drained, one request sent). */
const SHOW_STAT = [
  "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo,conn_rate,conn_rate_max,conn_tot,intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,cache_hits,srv_icur,src_ilim,qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,safe_conn_cur,used_conn_cur,need_conn_est,uweight,agg_server_status,agg_server_check_status,agg_check_status,-,ssl_sess,ssl_reused_sess,ssl_failed_handshake,h2_headers_rcvd,h2_data_rcvd,h2_settings_rcvd,h2_rst_stream_rcvd,h2_goaway_rcvd,h2_detected_conn_protocol_errors,h2_detected_strm_protocol_errors,h2_rst_stream_resp,h2_goaway_resp,h2_open_connections,h2_backend_open_streams,h2_total_connections,h2_backend_total_streams,h1_open_connections,h1_open_streams,h1_total_connections,h1_total_streams,h1_bytes_in,h1_bytes_out,h1_spliced_bytes_in,h1_spliced_bytes_out,",
  "fe,FRONTEND,,,0,1,9979,1,83,217,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,0,0,1,,,,0,0,0,0,1,0,,0,1,1,,,0,0,0,0,,,,,,,,,,,,,,,,,,,,,http,,0,1,1,0,0,0,0,,,0,0,,,,,,,0,,,,,,,,,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,80,214,0,0,",
  "be,s1,0,0,0,0,,0,0,0,,0,,0,0,0,0,DOWN,1,1,0,1,1,4,4,,1,3,1,,0,,2,0,,0,L4CON,,0,0,0,0,0,0,0,,,,0,0,0,,,,,-1,Connection refused,,0,0,0,0,,,,Layer4 connection problem,,2,3,0,,,,127.0.30.1:18391,,http,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,1,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
  "be,s2,0,0,0,1,,4,83,217,,0,,1,0,3,0,DRAIN,5,1,0,,,0,,,1,3,2,,1,,2,1,,1,,,,0,0,0,0,0,0,,,,0,0,0,,,,,0,,,0,0,0,0,,,,,,,,,,,,127.0.30.1:18392,,http,,,,,,,,0,4,0,,,0,,0,0,0,0,0,0,0,0,1,5,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
  "be,BACKEND,0,0,0,1,998,1,83,217,0,0,,1,0,3,0,DOWN,0,0,0,,1,0,0,,1,3,0,,1,,1,0,,1,,,,0,0,0,0,1,0,,,,1,0,0,0,0,0,0,3,,,0,0,0,0,,,,,,,,,,,,,,http,roundrobin,,,,,,,0,4,0,0,0,,,0,0,0,0,0,,,,,0,0,0,0,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,4,4,0,0,0,0,",
].join("\n");

const SERVERS_STATE = [
  "1",
  "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port",
  "3 be 1 s1 127.0.30.1 0 0 1 1 4 8 2 0 6 0 0 0 - 18391 - 0 0 - - 0",
  "3 be 2 s2 127.0.30.1 2 8 5 5 0 1 0 2 0 0 0 0 - 18392 - 0 0 - - 0",
  "",
].join("\n");

/* A reload while the previous worker still held a connection, after one refused reload. */
const SHOW_PROC = [
  "#<PID>          <type>          <reloads>       <uptime>        <version>      ",
  "7189            master          3 [failed: 1]   0d00h00m09s     2.6.12-1+deb12u4",
  "# workers",
  "7441            worker          1               0d00h00m03s     2.6.12-1+deb12u4",
  "# old workers",
  "7215            worker          3               0d00h00m09s     2.6.12-1+deb12u4",
  "# programs",
  "",
].join("\n");

describe("parseShowStat", () => {
  it("types a real show stat by column name", () => {
    const rows = parseShowStat(SHOW_STAT);
    expect(rows.map((r) => `${r.proxy}/${r.name}:${r.type}:${r.status}`)).toEqual([
      "fe/FRONTEND:frontend:OPEN",
      "be/s1:server:DOWN",
      "be/s2:server:DRAIN",
      "be/BACKEND:backend:DOWN",
    ]);
    const [fe, s1, s2, be] = rows;
    expect(fe).toMatchObject({ sessionsTotal: 1, requestsTotal: 1, denied: 0 });
    expect(fe?.responses).toEqual({ "1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 1, other: 0 });
    expect(fe?.weight).toBeUndefined();
    expect(s1).toMatchObject({ weight: 1, checkStatus: "L4CON", address: "127.0.30.1:18391", checkDowns: 1 });
    expect(s2).toMatchObject({ weight: 5, connectionErrors: 1, picked: 1, sessionsTotal: 4 });
    expect(s2?.checkStatus).toBeUndefined();
    expect(be).toMatchObject({ weight: 0, picked: 1, connectionErrors: 1 });
  });

  it("reads the average times of backends and servers, which frontends leave empty", () => {
    const [fe, s1, , be] = parseShowStat(SHOW_STAT);
    expect(fe?.queueTimeMs).toBeUndefined();
    expect(fe?.totalTimeMs).toBeUndefined();
    expect(s1).toMatchObject({ queueTimeMs: 0, connectTimeMs: 0, responseTimeMs: 0, totalTimeMs: 0 });
    expect(be).toMatchObject({ responseTimeMs: 0, mode: "http" });
    const [slow] = parseShowStat("# pxname,svname,type,qtime,ctime,rtime,ttime\nbe,s1,2,3,1,250,262\n");
    expect(slow).toMatchObject({ queueTimeMs: 3, connectTimeMs: 1, responseTimeMs: 250, totalTimeMs: 262 });
  });

  it("follows the header when columns move, and reads quoted fields", () => {
    const csv = '# type,svname,pxname,status,weight,check_desc\n2,a,b,UP,3,"x, ""y"""\n9,z,z,UP,1,\n';
    const rows = parseShowStat(csv);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ proxy: "b", name: "a", type: "server", status: "UP", weight: 3 });
  });
});

describe("parseShowInfo", () => {
  it("reads name: value lines", () => {
    const info = parseShowInfo(
      "Name: HAProxy\nVersion: 2.6.12-1+deb12u4\nPid: 7215\nUptime: 0d 0h00m03s\n\n",
    );
    expect(info).toEqual({
      Name: "HAProxy",
      Version: "2.6.12-1+deb12u4",
      Pid: "7215",
      Uptime: "0d 0h00m03s",
    });
  });
});

describe("parseServersState", () => {
  it("types each server from the header line", () => {
    const [s1, s2] = parseServersState(SERVERS_STATE);
    expect(s1).toMatchObject({
      backendId: 3,
      backend: "be",
      serverId: 1,
      server: "s1",
      address: "127.0.30.1",
      port: 18391,
      operationalState: "stopped",
      adminState: "ready",
      userWeight: 1,
      initialWeight: 1,
      secondsSinceChange: 4,
    });
    expect(s1?.fqdn).toBeUndefined();
    expect(s2).toMatchObject({
      operationalState: "running",
      adminFlags: 8,
      adminState: "drain",
      userWeight: 5,
    });
    expect(s2?.raw.srv_check_port).toBe("0");
  });

  it("tells forced maintenance from maintenance set in the config", () => {
    const text = SERVERS_STATE.replace("3 be 1 s1 127.0.30.1 0 0 ", "3 be 1 s1 127.0.30.1 0 4 ");
    const [s1] = parseServersState(text);
    expect(s1).toMatchObject({ adminState: "maint", forcedAdminState: "ready" });
  });

  it("answers no rows for a complaint", () => {
    expect(parseServersState("Can't find backend.\n\n")).toEqual([]);
  });
});

describe("parseShowProc", () => {
  it("reads the master with its failed mark, current and old workers", () => {
    const table = parseShowProc(SHOW_PROC);
    expect(table?.master).toEqual({
      pid: 7189,
      type: "master",
      reloads: 3,
      failed: 1,
      uptime: "0d00h00m09s",
      uptimeSeconds: 9,
      version: "2.6.12-1+deb12u4",
    });
    expect(table?.workers.map((w) => [w.pid, w.reloads])).toEqual([[7441, 1]]);
    expect(table?.oldWorkers.map((w) => [w.pid, w.reloads])).toEqual([[7215, 3]]);
    expect(table?.programs).toEqual([]);
  });

  it("answers undefined for something that is not show proc", () => {
    expect(parseShowProc("Unknown command, but maybe one of the following ones is a better match:\n")).toBe(
      undefined,
    );
  });
});

describe("classifyAnswer", () => {
  it.each([
    ["No such server.\n\n", "no-such-server"],
    ["No such backend.\n\n", "no-such-backend"],
    ["Can't find backend.\n\n", "no-such-backend"],
    ["Absolute weight can only be between 0 and 256 inclusive.\n\n", "invalid-weight"],
    ["Relative weight must be positive.\n\n", "invalid-weight"],
    ["Empty weight string empty or preceded by garbage", "invalid-weight"],
    [
      "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n\n",
      "invalid-weight",
    ],
    ["Require <weight> or <weight%>.\n\n", "invalid-weight"],
    ["Permission denied\n\n", "permission-denied"],
    ["Unknown command, but maybe one of the following ones is a better match:\n  help\n", "unknown-command"],
    ["Require 'backend/server'.\n\n", "refused"],
    ["'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n\n", "refused"],
    ["Can't find the target PID matching the prefix '@9'", "refused"],
  ])("reads %j as %s", (answer, kind) => {
    expect(classifyAnswer(answer)).toBe(kind);
  });

  it("takes data and empty answers for what they are", () => {
    expect(classifyAnswer("\n")).toBeUndefined();
    expect(classifyAnswer(SHOW_STAT)).toBeUndefined();
    expect(classifyAnswer("Name: HAProxy\nNo such server.\n")).toBeUndefined();
  });
});

describe("stateCommandsToReapply", () => {
  const saved = parseServersState(
    SERVERS_STATE.replace("3 be 1 s1 127.0.30.1 0 0 1 1", "3 be 1 s1 127.0.30.1 0 1 3 1"),
  );
  const current = parseServersState(
    SERVERS_STATE.replace("3 be 2 s2 127.0.30.1 2 8", "3 be 2 s2 127.0.30.1 2 0"),
  );

  it("restores weight and forced state of touched servers only", () => {
    expect(stateCommandsToReapply(saved, current, new Set(["be/s1", "be/s2"] as const))).toEqual([
      "set server be/s1 weight 3",
      "set server be/s1 state maint",
      "set server be/s2 state drain",
    ]);
    expect(stateCommandsToReapply(saved, current, new Set(["be/s2"] as const))).toEqual([
      "set server be/s2 state drain",
    ]);
  });

  it("lets a weight changed in the config win over the saved runtime weight", () => {
    const reweighted = parseServersState(SERVERS_STATE.replace("127.0.30.1 0 0 1 1", "127.0.30.1 0 1 2 2"));
    expect(stateCommandsToReapply(saved, reweighted, new Set(["be/s1"] as const))).toEqual([]);
  });

  it("leaves out servers that are gone after the reload", () => {
    expect(stateCommandsToReapply(saved, [], new Set(["be/s1"] as const))).toEqual([]);
  });
});

describe("socketTarget", () => {
  it("reads paths, host:port and [v6]:port", () => {
    expect(socketTarget("/run/haproxy/admin.sock")).toEqual({ path: "/run/haproxy/admin.sock" });
    expect(socketTarget("admin.sock")).toEqual({ path: "admin.sock" });
    expect(socketTarget("127.0.0.1:9999")).toEqual({ host: "127.0.0.1", port: 9999 });
    expect(socketTarget("[::1]:9999")).toEqual({ host: "::1", port: 9999 });
  });
});
