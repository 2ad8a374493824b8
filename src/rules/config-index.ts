import type { Config } from "../model/config.js";
import type { Proxy, Route } from "../model/proxy.js";
import type { SourceSpan } from "../model/span.js";

/** One place a frontend sends traffic to a backend by name. */
export interface BackendReference {
  frontend: Proxy;
  backend: string;
  span: SourceSpan;
  /** The route, or undefined for `default_backend`. */
  route?: Route;
}

/**
 * Lookups many rules need, computed once per configuration so that rules stay linear in the
 * size of the configuration.
 */
export interface ConfigIndex {
  backendsByName: ReadonlyMap<string, Proxy>;
  /** Every static backend reference (use_backend and default_backend) in source order. */
  references: readonly BackendReference[];
  /** Names of backends some frontend references statically. */
  referencedBackends: ReadonlySet<string>;
  /** True when some frontend picks backends by a dynamic name (`use_backend %[...]`). */
  hasDynamicRoutes: boolean;
}

/** Builds the index of a configuration. */
export function indexConfig(config: Config): ConfigIndex {
  const backendsByName = new Map<string, Proxy>();
  for (const backend of config.backends)
    if (!backendsByName.has(backend.name)) backendsByName.set(backend.name, backend);
  const references: BackendReference[] = [];
  let hasDynamicRoutes = false;
  for (const frontend of config.frontends) {
    for (const route of frontend.routes) {
      if (route.dynamic) hasDynamicRoutes = true;
      else references.push({ frontend, backend: route.backend, span: route.backendSpan, route });
    }
    const fallback = frontend.defaultBackend;
    if (fallback?.span) references.push({ frontend, backend: fallback.value, span: fallback.span });
  }
  return {
    backendsByName,
    references,
    referencedBackends: new Set(references.map((r) => r.backend)),
    hasDynamicRoutes,
  };
}
