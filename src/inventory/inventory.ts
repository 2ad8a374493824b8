import type { SourceSpan } from "../model/span.js";

export type InventoryRole = "web" | "db" | "other";

/** A machine the operator says exists, with what it is for. */
export interface InventoryServer {
  name: string;
  role: InventoryRole;
  /** `host:port` as written. */
  address: string;
  host: string;
  port?: number;
  /** Requests per second above which it starts refusing (web servers). */
  capacityRps?: number;
  /** HTTP path that answers 200 when healthy (web servers; default /health). */
  health?: string;
  span: SourceSpan;
}

/** The servers an operator declares, read from an inventory or a drill scenario file. */
export interface Inventory {
  file: string;
  servers: InventoryServer[];
}
