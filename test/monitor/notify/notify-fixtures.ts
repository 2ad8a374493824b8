import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ControlContext } from "../../../src/control/control-context.js";
import type { Alert, Receiver, Suspect } from "../../../src/monitor/types.js";

/** A suspect as the ranking would give it. */
export function suspect(n: number, overrides: Partial<Suspect> = {}): Suspect {
  return {
    kind: "version",
    ref: `version:${n}`,
    at: "2025-03-01T09:58:00.000Z",
    actor: "alice",
    summary: `version ${n}: "weights for the new servers" by alice`,
    touches: { servers: ["web/web-02"], backends: ["web"], frontends: [] },
    rollback: `lbguard rollback web --to ${n - 1}`,
    score: 1 - n / 10,
    reasons: ["changed the weight of web/web-02, the server the alert names"],
    ...overrides,
  };
}

/** An alert that fired, before it is stored (the id is the store's to give). */
export function firingAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: 0,
    fingerprint: "3f2a9c",
    cluster: "web",
    rule: "error-ratio-high",
    kind: "error-ratio",
    severity: "critical",
    labels: { backend: "web" },
    state: "firing",
    value: 42,
    threshold: 5,
    summary: "backend web: 42.0% of responses were 5xx over 5 min (threshold 5%)",
    activeAt: "2025-03-01T10:00:00.000Z",
    firedAt: "2025-03-01T10:01:00.000Z",
    suspects: [suspect(1), suspect(2), suspect(3), suspect(4)],
    ...overrides,
  };
}

export function receiver(name: string, url: string, overrides: Partial<Receiver> = {}): Receiver {
  return { name, url, format: "generic", minSeverity: "warning", ...overrides };
}

/** Stores `alert` (creating its cluster if need be) and returns it with its id. */
export async function storeAlert(ctx: ControlContext, alert: Alert): Promise<Alert> {
  const db = ctx.store.db;
  const cluster = await db
    .selectFrom("clusters")
    .select("name")
    .where("name", "=", alert.cluster)
    .executeTakeFirst();
  if (!cluster) {
    await db
      .insertInto("clusters")
      .values({
        name: alert.cluster,
        policy: "{}",
        inventory: null,
        rps: 100,
        current_version: null,
        created_at: alert.activeAt,
      })
      .execute();
  }
  const { id } = await db
    .insertInto("alerts")
    .values({
      fingerprint: alert.fingerprint,
      cluster: alert.cluster,
      rule: alert.rule,
      kind: alert.kind,
      severity: alert.severity,
      labels: JSON.stringify(alert.labels),
      state: alert.state,
      value: alert.value,
      threshold: alert.threshold,
      summary: alert.summary,
      active_at: alert.activeAt,
      fired_at: alert.firedAt ?? null,
      resolved_at: alert.resolvedAt ?? null,
      suspects: JSON.stringify(alert.suspects),
      silenced_by: alert.silencedBy ?? null,
      updated_at: alert.activeAt,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { ...alert, id: Number(id) };
}

/** The notification events recorded so far, oldest first. */
export async function notificationEvents(
  ctx: ControlContext,
): Promise<
  { type: string; cluster: string | null; subject: string | null; data: Record<string, unknown> }[]
> {
  const rows = await ctx.store.db
    .selectFrom("events")
    .select(["type", "cluster", "subject", "data"])
    .where("type", "like", "notification.%")
    .orderBy("seq")
    .execute();
  return rows.map((row) => ({ ...row, data: JSON.parse(row.data) as Record<string, unknown> }));
}

/**
 * A webhook receiver on 127.0.0.1 that answers each POST as `answer` says (or never, for
 * `hang`) and keeps the bodies.
 */
export interface TestReceiver {
  url: string;
  /** Content types of every POST, in order. */
  contentTypes: (string | undefined)[];
  /** Raw bodies of every POST, in order. */
  bodies: string[];
  close(): Promise<void>;
}

export async function startReceiver(
  answer: (
    request: IncomingMessage,
    index: number,
  ) => { status: number; body?: string; headers?: Record<string, string> } | "hang",
): Promise<TestReceiver> {
  const bodies: string[] = [];
  const contentTypes: (string | undefined)[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      bodies.push(Buffer.concat(chunks).toString("utf8"));
      contentTypes.push(request.headers["content-type"]);
      const answered = answer(request, bodies.length - 1);
      if (answered === "hang") return;
      const { status, body, headers } = answered;
      response.writeHead(status, { "content-type": "text/plain", ...headers });
      response.end(body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/T000/secret-part`,
    bodies,
    contentTypes,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
