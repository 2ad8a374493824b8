import type { Insertable, Kysely } from "kysely";
import type { Suspect } from "../../src/monitor/types.js";
import type { AlertsTable, Database } from "../../src/store/schema.js";

/** A suspect as the evaluator ranks it: a version that changed the server the alert names. */
export function suspect(overrides: Partial<Suspect> = {}): Suspect {
  return {
    kind: "version",
    ref: "version:2",
    at: "2025-03-01T09:58:00.000Z",
    actor: "alice",
    node: "lb-1",
    summary: 'version 2: "weights for the new servers" by alice',
    touches: { servers: ["web/web-02"], backends: ["web"], frontends: [] },
    shareShift: { "web/web-02": 40 },
    rollback: "lbguard rollback --cluster web --to 1",
    score: 0.9,
    reasons: ["changed the weight of web/web-02, the server the alert names"],
    ...overrides,
  };
}

/** The fields of an alert row a test chooses; the rest are filled in. */
export interface AlertRowSpec {
  cluster?: string;
  rule?: string;
  state?: "pending" | "firing" | "resolved";
  labels?: Record<string, string>;
  activeAt?: string;
  firedAt?: string | null;
  resolvedAt?: string | null;
  suspects?: Suspect[];
  silencedBy?: number | null;
  summary?: string;
}

/** Inserts one alert row as the evaluator would write it, and returns its id. */
export async function insertAlert(db: Kysely<Database>, spec: AlertRowSpec = {}): Promise<number> {
  const state = spec.state ?? "firing";
  const activeAt = spec.activeAt ?? "2025-03-01T10:00:00.000Z";
  const row: Insertable<AlertsTable> = {
    fingerprint: `fp-${spec.rule ?? "error-ratio-high"}-${JSON.stringify(spec.labels ?? {})}`,
    cluster: spec.cluster ?? "web",
    rule: spec.rule ?? "error-ratio-high",
    kind: "error-ratio",
    severity: "critical",
    labels: JSON.stringify(spec.labels ?? { backend: "web" }),
    state,
    value: 42.5,
    threshold: 5,
    summary: spec.summary ?? "backend web: 42.5% of responses were 5xx over 1 minute (threshold 5%)",
    active_at: activeAt,
    fired_at: spec.firedAt !== undefined ? spec.firedAt : state === "pending" ? null : activeAt,
    resolved_at:
      spec.resolvedAt !== undefined
        ? spec.resolvedAt
        : state === "resolved"
          ? "2025-03-01T10:05:00.000Z"
          : null,
    suspects: JSON.stringify(spec.suspects ?? []),
    silenced_by: spec.silencedBy ?? null,
    updated_at: activeAt,
  };
  const { id } = await db.insertInto("alerts").values(row).returning("id").executeTakeFirstOrThrow();
  return Number(id);
}
