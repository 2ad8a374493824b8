// The gate's findings on a change, grouped by severity: what is wrong, where (file:line:column),
// the rule, and why the rule matters, so a reviewer can judge a finding without the docs.
import type { RuleExplanation } from "../../../src/control/api-types.js";
import type { GateFinding } from "../../../src/gate/gate.js";
import { groupFindings, type ExplainedFinding } from "../data/change-findings.js";
import { Badge, Empty } from "./page.js";
import "./findings.css";

export function Findings(props: {
  findings: readonly GateFinding[];
  explanations: readonly RuleExplanation[];
}) {
  const groups = groupFindings(props.findings, props.explanations);
  if (groups.length === 0) {
    return (
      <div data-testid="findings">
        <Empty title="No findings: the rules, haproxy -c and the traffic prediction found nothing to report." />
      </div>
    );
  }
  return (
    <div class="findings" data-testid="findings">
      {groups.map((group) => (
        <section key={group.severity} aria-labelledby={`findings-${group.severity}`}>
          <h3 id={`findings-${group.severity}`} class={`findings-title findings-${group.severity}`}>
            {group.title} ({group.findings.length})
          </h3>
          <ul class="findings-list">
            {group.findings.map((f, i) => (
              <FindingItem key={i} finding={f} />
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

const SEVERITY_BADGE = { error: "bad", warning: "warn", info: "info" } as const;

function FindingItem(props: { finding: ExplainedFinding }) {
  const f = props.finding;
  return (
    <li class={`finding finding-${f.severity}`} data-rule={f.rule}>
      <div class="finding-head">
        <Badge tone={SEVERITY_BADGE[f.severity]}>{f.severity === "error" ? "blocks" : f.severity}</Badge>{" "}
        <span class="finding-message">{f.message}</span>
      </div>
      <div class="finding-meta small">
        {f.where ? <code class="finding-where">{f.where}</code> : null}
        <code class="finding-rule">{f.rule}</code>
        {f.explanation?.doc ? <span class="muted">see {f.explanation.doc}</span> : null}
      </div>
      {f.explanation?.why ? (
        <p class="finding-why">
          <strong>Why it matters:</strong> {f.explanation.why}
        </p>
      ) : null}
    </li>
  );
}
