// The changes that may have caused an alert or an incident, best explanation first: what each
// was, who made it and when, why it is suspected, and how to undo it. A version the control plane
// applied has a Roll back button (approvers); anything else shows the command that undoes it.
import { useState } from "preact/hooks";
import type { Change } from "../../../src/control/api-types.js";
import type { Suspect } from "../../../src/monitor/types.js";
import { rollbackMessage, undoOffer, type UndoOffer } from "../data/alert-list.js";
import { pairPath } from "../data/version-compare.js";
import { linkTo } from "../router.js";
import { useCan, useSession } from "../session.js";
import { ActionButton } from "./action-button.js";
import { CopyCommand } from "./copy-command.js";
import { Badge, Empty } from "./page.js";
import { Time } from "./time.js";
import "./suspect-list.css";

const KIND_LABEL: Record<Suspect["kind"], string> = {
  version: "version applied",
  "runtime-operation": "runtime operation",
  "hand-change": "hand change",
};

export function SuspectList(props: {
  suspects: Suspect[];
  cluster: string;
  /** The cluster's current version, to tell a rollback still to do from one already done. */
  currentVersion: number | undefined;
  /** What the suspects are suspected of, for the rollback's message (e.g. `alert #12`). */
  symptom: string;
}) {
  if (props.suspects.length === 0) {
    return (
      <Empty title="No recorded change explains this.">
        Nothing was applied, run on the runtime API or changed by hand in the hour before. Look at the{" "}
        <a href={linkTo("/traffic")}>live traffic</a> and the nodes on the <a href={linkTo("/")}>overview</a>.
      </Empty>
    );
  }
  return (
    <ol class="suspects" data-testid="suspect-list">
      {props.suspects.map((suspect, i) => (
        <SuspectItem
          key={`${suspect.ref}-${suspect.at}`}
          rank={i + 1}
          suspect={suspect}
          cluster={props.cluster}
          offer={undoOffer(suspect, props.currentVersion)}
          symptom={props.symptom}
        />
      ))}
    </ol>
  );
}

function SuspectItem(props: {
  rank: number;
  suspect: Suspect;
  cluster: string;
  offer: UndoOffer;
  symptom: string;
}) {
  const { suspect, offer } = props;
  const touched = [...suspect.touches.servers, ...suspect.touches.backends, ...suspect.touches.frontends];
  return (
    <li class="suspect" data-testid="suspect">
      <div class="suspect-head">
        <span class="suspect-rank" aria-label={`Suspect ${props.rank}`}>
          {props.rank}
        </span>
        <strong>{suspect.summary}</strong>
        <Badge tone="info">{KIND_LABEL[suspect.kind]}</Badge>
        <Badge
          tone={suspect.score >= 0.5 ? "bad" : "muted"}
          title="How well it explains the symptom, 0 to 100%"
        >
          {Math.round(suspect.score * 100)}% match
        </Badge>
      </div>
      <p class="muted small suspect-meta">
        <RefLink suspect={suspect} offer={offer} /> by {suspect.actor}, <Time iso={suspect.at} />
        {suspect.node ? ` on ${suspect.node}` : ""}
        {suspect.apply ? ` (${suspect.apply})` : ""}
      </p>
      {suspect.reasons.length > 0 ? (
        <ul class="suspect-reasons" aria-label="Why it is suspected">
          {suspect.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      ) : null}
      {touched.length > 0 ? <p class="small">Touched: {touched.join(", ")}</p> : null}
      <Undo {...props} />
    </li>
  );
}

function RefLink(props: { suspect: Suspect; offer: UndoOffer }) {
  const { suspect, offer } = props;
  const [kind, id] = suspect.ref.split(":");
  if (kind === "change") return <a href={linkTo(`/changes/${id}`)}>{suspect.ref}</a>;
  if (kind === "version" && offer.kind !== "command") {
    return <a href={linkTo(pairPath({ from: offer.to, to: Number(id) }))}>{suspect.ref}</a>;
  }
  return <span>{suspect.ref}</span>;
}

function Undo(props: { suspect: Suspect; cluster: string; offer: UndoOffer; symptom: string }) {
  const { api } = useSession();
  const mayRollBack = useCan("approver");
  const [started, setStarted] = useState<Change | undefined>(undefined);
  const { offer, suspect } = props;
  if (offer.kind === "command") {
    return (
      <div class="suspect-undo">
        <span class="small">To undo it:</span>{" "}
        <CopyCommand command={offer.command} label="the undo command" />
      </div>
    );
  }
  if (started) {
    return (
      <p class="suspect-undo-note small" role="status">
        Rollback to version {offer.to} started as{" "}
        <a href={linkTo(`/changes/${started.id}`)}>change #{started.id}</a>: follow its rollout there.
      </p>
    );
  }
  if (offer.kind === "already-current") {
    return (
      <p class="suspect-undo-note small">
        <Badge tone="good">undone</Badge> The cluster runs version {offer.to} again, the one before this
        change.
      </p>
    );
  }
  return (
    <div class="suspect-undo">
      {mayRollBack ? (
        <ActionButton
          tone="danger"
          confirm={`Roll cluster ${props.cluster} back to version ${offer.to}? The rollback is approved in your name and rolls out to every node at once.`}
          doing={`roll back to version ${offer.to}`}
          testId="roll-back"
          onAction={async () =>
            setStarted(
              await api.rollback(props.cluster, {
                to: offer.to,
                message: rollbackMessage(suspect, props.symptom),
              }),
            )
          }
        >
          Roll back
        </ActionButton>
      ) : (
        <p class="muted small">An approver can roll this back to version {offer.to}:</p>
      )}
      <CopyCommand command={suspect.rollback} label="the rollback command" />
    </div>
  );
}
