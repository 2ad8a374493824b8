import type { Config } from "../model/config.js";
import type { Proxy } from "../model/proxy.js";
import type { SourceSpan } from "../model/span.js";
import { inheritedDefaults } from "../rules/semantics/inherited-defaults.js";
import type { SimulationResult } from "../simulate/types.js";
import { maxRisk, RISKS, type Risk } from "./risk.js";
import type { PlanChange, PlanSection, Reason, Subject } from "./types.js";

/** A change as an area module reports it; the builder derives its risk from the reasons. */
export type ChangeInput = Omit<PlanChange, "risk">;

/** Which configuration a change's span points into. */
export type Side = "before" | "after";

/** The section a proxy is in, as the plan names it. */
export function sectionOf(proxy: Proxy): PlanSection {
  return { kind: proxy.kind, name: proxy.name };
}

/** A key that is equal for equal subjects, whatever order their fields were written in. */
export function subjectKey(subject: Subject): string {
  return [
    subject.global ? "global" : "",
    subject.defaults ?? "\u0000",
    subject.frontend ?? "\u0000",
    subject.backend ?? "\u0000",
    subject.server ?? "\u0000",
    subject.bind ?? "\u0000",
    subject.acl ?? "\u0000",
    subject.route ?? "\u0000",
    subject.setting ?? "\u0000",
  ].join("\u0001");
}

/** Proxies by name; when a name repeats (a configuration error), the first one counts. */
export function byName(proxies: readonly Proxy[]): Map<string, Proxy> {
  const map = new Map<string, Proxy>();
  for (const p of proxies) if (!map.has(p.name)) map.set(p.name, p);
  return map;
}

/** True when two sections have the same lines, word for word (positions aside). */
function sameLines(a: Proxy, b: Proxy): boolean {
  if (a.directives.length !== b.directives.length) return false;
  for (let i = 0; i < a.directives.length; i++) {
    const x = (a.directives[i] as Proxy["directives"][number]).words;
    const y = (b.directives[i] as Proxy["directives"][number]).words;
    if (x.length !== y.length) return false;
    for (let j = 0; j < x.length; j++) if (x[j]?.text !== y[j]?.text) return false;
  }
  return true;
}

/** Sort key of a place in a configuration: file (in reading order), then line. */
type Place = [file: number, line: number];

/**
 * Collects the changes the area modules report and the lookups they share (proxies by name on
 * both sides), then puts the plan in configuration order.
 */
export class PlanBuilder {
  readonly frontendsBefore: Map<string, Proxy>;
  readonly frontendsAfter: Map<string, Proxy>;
  readonly backendsBefore: Map<string, Proxy>;
  readonly backendsAfter: Map<string, Proxy>;
  private readonly changes: { change: PlanChange; side: Side; seq: number }[] = [];
  private readonly bySubject = new Map<string, PlanChange>();
  private readonly sameMemo = new WeakMap<Proxy, boolean>();
  private readonly lineage = new WeakMap<Proxy, string>();
  private predictedBackends?: Set<string>;
  private readonly shareIndex: Partial<Record<Side, Map<string, Map<string, number>>>> = {};

  constructor(
    readonly before: Config,
    readonly after: Config,
    readonly predictions: { before?: SimulationResult; after?: SimulationResult } = {},
  ) {
    this.frontendsBefore = byName(before.frontends);
    this.frontendsAfter = byName(after.frontends);
    this.backendsBefore = byName(before.backends);
    this.backendsAfter = byName(after.backends);
  }

  /** The proxy of `side` with the same name as `proxy`, on the same side (frontend or backend). */
  counterpart(proxy: Proxy, side: Side): Proxy | undefined {
    const [frontends, backends] =
      side === "before"
        ? [this.frontendsBefore, this.backendsBefore]
        : [this.frontendsAfter, this.backendsAfter];
    return proxy.kind === "backend" ? backends.get(proxy.name) : frontends.get(proxy.name);
  }

  /**
   * True when a proxy reads the same on both sides: the same lines word for word, and inherits
   * from defaults sections that read the same. Then nothing about it can differ but its traffic,
   * and the area modules skip it; this keeps plans of large configurations fast.
   */
  unchanged(was: Proxy, now: Proxy): boolean {
    let same = this.sameMemo.get(now);
    if (same === undefined) {
      same =
        was.kind === now.kind &&
        sameLines(was, now) &&
        this.defaultsLineage(was, this.before) === this.defaultsLineage(now, this.after);
      this.sameMemo.set(now, same);
    }
    return same;
  }

  /** The text of the defaults sections a proxy inherits from, nearest first. */
  private defaultsLineage(proxy: Proxy, config: Config): string {
    const parent = inheritedDefaults(proxy, config);
    if (!parent) return "";
    let text = this.lineage.get(parent);
    if (text === undefined) {
      const own = parent.directives.map((d) => d.words.map((w) => w.text).join(" ")).join("\n");
      text = `${own}\u0002${this.defaultsLineage(parent, config)}`;
      this.lineage.set(parent, text);
    }
    return text;
  }

  /** True when both predictions cover the backend: then traffic comes from them, not from weights. */
  predicted(backend: string): boolean {
    if (!this.predictedBackends) {
      const before = new Set(this.predictions.before?.backends.map((b) => b.name) ?? []);
      this.predictedBackends = new Set(
        (this.predictions.after?.backends ?? []).map((b) => b.name).filter((n) => before.has(n)),
      );
    }
    return this.predictedBackends.has(backend);
  }

  /** Each server's predicted share of `backend` on one side, when that side has a prediction for it. */
  predictedShares(side: Side, backend: string): Map<string, number> | undefined {
    let index = this.shareIndex[side];
    if (!index) {
      index = new Map();
      for (const b of this.predictions[side]?.backends ?? [])
        index.set(b.name, new Map(b.servers.map((s) => [s.name, s.share])));
      this.shareIndex[side] = index;
    }
    return index.get(backend);
  }

  /** Records a change whose span points into `side`; returns it so callers may add reasons. */
  add(input: ChangeInput, side: Side = input.kind === "removed" ? "before" : "after"): PlanChange {
    const change: PlanChange = { ...input, risk: maxRisk(input.reasons.map((r) => r.risk)) };
    this.changes.push({ change, side, seq: this.changes.length });
    const key = subjectKey(change.subject);
    if (!this.bySubject.has(key)) this.bySubject.set(key, change);
    return change;
  }

  /** The first change recorded for exactly this subject. */
  find(subject: Subject): PlanChange | undefined {
    return this.bySubject.get(subjectKey(subject));
  }

  /** Adds reasons to a recorded change and raises its risk to match. */
  addReasons(change: PlanChange, reasons: readonly Reason[]): void {
    change.reasons.push(...reasons);
    change.risk = maxRisk(change.reasons.map((r) => r.risk));
  }

  /** The section's header on one side (the global section's first line; undefined when absent). */
  private header(section: PlanSection, side: Side): SourceSpan | undefined {
    const config = side === "before" ? this.before : this.after;
    switch (section.kind) {
      case "global":
        return config.global.span;
      case "defaults":
        return config.defaults.find((d) => d.name === section.name)?.headerSpan;
      case "backend":
        return (side === "before" ? this.backendsBefore : this.backendsAfter).get(section.name)?.headerSpan;
      default:
        return (side === "before" ? this.frontendsBefore : this.frontendsAfter).get(section.name)?.headerSpan;
    }
  }

  /**
   * The changes in configuration order: sections as AFTER orders them, with sections only BEFORE
   * has placed after the section that preceded them there; inside a section, by line (a removed
   * line where it stood relative to its section's header).
   */
  ordered(): PlanChange[] {
    const fileIndex = (config: Config) => new Map(config.files.map((f, i) => [f, i]));
    const afterFiles = fileIndex(this.after);
    const place = (span: SourceSpan | undefined): Place =>
      span ? [afterFiles.get(span.file) ?? this.after.files.length, span.line] : [-1, 0];
    const sectionPlaces = new Map<string, { section: Place; sub: number; offset?: number }>();
    let beforeSections: { list: Proxy[]; index: Map<Proxy, number> } | undefined;

    /** Where a section only BEFORE has goes: right after the nearest earlier section AFTER keeps. */
    const removedPlace = (section: PlanSection): { section: Place; sub: number } => {
      if (!beforeSections) {
        const files = fileIndex(this.before);
        const at = (p: Proxy) => files.get(p.headerSpan.file) ?? this.before.files.length;
        const list = [...this.before.defaults, ...this.before.proxies].sort(
          (a, b) => at(a) - at(b) || a.headerSpan.line - b.headerSpan.line,
        );
        beforeSections = { list, index: new Map(list.map((p, i) => [p, i])) };
      }
      const own =
        section.kind === "defaults"
          ? this.before.defaults.find((d) => d.name === section.name)
          : section.kind === "backend"
            ? this.backendsBefore.get(section.name)
            : this.frontendsBefore.get(section.name);
      const sub = own?.headerSpan.line ?? 0;
      for (let i = (own ? (beforeSections.index.get(own) ?? 0) : 0) - 1; i >= 0; i--) {
        const p = beforeSections.list[i] as Proxy;
        const kept =
          p.kind === "defaults"
            ? this.header(sectionOf(p), "after")
            : this.counterpart(p, "after")?.headerSpan;
        if (kept) return { section: place(kept), sub };
      }
      return { section: [-1, 1], sub };
    };

    const keyed = this.changes.map((entry) => {
      const section = entry.change.section;
      const key = `${section.kind}:${section.name}`;
      let where = sectionPlaces.get(key);
      if (!where) {
        const afterHeader = this.header(section, "after");
        const beforeHeader = this.header(section, "before");
        where = afterHeader ? { section: place(afterHeader), sub: 0 } : removedPlace(section);
        if (afterHeader && beforeHeader) where.offset = afterHeader.line - beforeHeader.line;
        sectionPlaces.set(key, where);
      }
      const line = entry.change.span.line;
      const position = entry.side === "before" ? line + (where.offset ?? 0) : line;
      return { entry, where, position };
    });
    keyed.sort(
      (a, b) =>
        a.where.section[0] - b.where.section[0] ||
        a.where.section[1] - b.where.section[1] ||
        a.where.sub - b.where.sub ||
        a.position - b.position ||
        a.entry.seq - b.entry.seq,
    );
    return keyed.map((k) => k.entry.change);
  }

  /** How many changes have each risk level. */
  counts(): Record<Risk, number> {
    const counts = Object.fromEntries(RISKS.map((r) => [r, 0])) as Record<Risk, number>;
    for (const { change } of this.changes) counts[change.risk]++;
    return counts;
  }
}
