import adminSocketExposed from "./admin-socket-exposed.js";
import backendServerSameName from "./backend-server-same-name.js";
import backendWithoutUsableServer from "./backend-without-usable-server.js";
import conflictingHttpCloseOptions from "./conflicting-http-close-options.js";
import crtWithoutSsl from "./crt-without-ssl.js";
import duplicateBind from "./duplicate-bind.js";
import duplicateServerAddress from "./duplicate-server-address.js";
import duplicateServerName from "./duplicate-server-name.js";
import frontendWithoutBackend from "./frontend-without-backend.js";
import hashWithoutConsistency from "./hash-without-consistency.js";
import hostnameWithoutResolvers from "./hostname-without-resolvers.js";
import httpBackendTcpCheck from "./http-backend-tcp-check.js";
import httpFrontendTcpBackend from "./http-frontend-tcp-backend.js";
import httpchkWithoutCheck from "./httpchk-without-check.js";
import implausibleTimeout from "./implausible-timeout.js";
import insecureUserlistPassword from "./insecure-userlist-password.js";
import inventoryServerUnused from "./inventory-server-unused.js";
import missingForwardfor from "./missing-forwardfor.js";
import missingTimeouts from "./missing-timeouts.js";
import multipleBackupsWithoutAllbackups from "./multiple-backups-without-allbackups.js";
import noServerStateFile from "./no-server-state-file.js";
import nonWebServerInPool from "./non-web-server-in-pool.js";
import retriesWithoutRedispatch from "./retries-without-redispatch.js";
import routeAlwaysMatches from "./route-always-matches.js";
import type { Rule } from "./rule.js";
import serverNotInInventory from "./server-not-in-inventory.js";
import serverWithoutHealthCheck from "./server-without-health-check.js";
import singleServerBackend from "./single-server-backend.js";
import statsSocketNotReloadReady from "./stats-socket-not-reload-ready.js";
import statsWithoutAuth from "./stats-without-auth.js";
import undefinedAcl from "./undefined-acl.js";
import undefinedBackend from "./undefined-backend.js";
import unreachableRoute from "./unreachable-route.js";
import unusedAcl from "./unused-acl.js";
import unusedBackend from "./unused-backend.js";
import weakTls from "./weak-tls.js";
import weightSkew from "./weight-skew.js";

/** Every rule, sorted by id. A meta-test keeps this list sorted and complete. */
export const RULES: readonly Rule[] = [
  adminSocketExposed,
  backendServerSameName,
  backendWithoutUsableServer,
  conflictingHttpCloseOptions,
  crtWithoutSsl,
  duplicateBind,
  duplicateServerAddress,
  duplicateServerName,
  frontendWithoutBackend,
  hashWithoutConsistency,
  hostnameWithoutResolvers,
  httpBackendTcpCheck,
  httpFrontendTcpBackend,
  httpchkWithoutCheck,
  implausibleTimeout,
  insecureUserlistPassword,
  inventoryServerUnused,
  missingForwardfor,
  missingTimeouts,
  multipleBackupsWithoutAllbackups,
  noServerStateFile,
  nonWebServerInPool,
  retriesWithoutRedispatch,
  routeAlwaysMatches,
  serverNotInInventory,
  serverWithoutHealthCheck,
  singleServerBackend,
  statsSocketNotReloadReady,
  statsWithoutAuth,
  undefinedAcl,
  undefinedBackend,
  unreachableRoute,
  unusedAcl,
  unusedBackend,
  weakTls,
  weightSkew,
];
