// Changes: every change of the cluster, newest first, filterable by state; and the form that
// proposes a new configuration (operators), prefilled with the version the cluster runs.
import { useEffect, useState } from "preact/hooks";
import { CHANGE_STATES } from "../../../src/control/api-types.js";
import { useClusterName } from "../cluster.js";
import { approvalsText } from "../data/change-actions.js";
import { riskTone, stateFilter, stateTone, verdictTone, whatText } from "../data/change-format.js";
import {
  configServers,
  proposeRequest,
  type OperationKind,
  type ProposeForm,
} from "../data/propose-request.js";
import { Badge, Empty, ErrorNote, Loading, Page } from "../components/page.js";
import { Time } from "../components/time.js";
import { linkTo, navigate, useCurrentPath } from "../router.js";
import { useCan, useSession } from "../session.js";
import { usePoll } from "../use-poll.js";
import "../components/field.css";
import "./changes.css";

/** Changes move through review and rollout in seconds; the list keeps up. */
const LIST_MS = 2000;

export function ChangesPage() {
  const { api } = useSession();
  const name = useClusterName();
  const canPropose = useCan("operator");
  const state = stateFilter(useCurrentPath(), CHANGE_STATES);
  const list = usePoll(() => api.changes(name, state), [name, state], LIST_MS);

  return (
    <Page
      title="Changes"
      actions={
        canPropose ? (
          <a class="button button-primary" href={linkTo("/changes/new")}>
            Propose a change
          </a>
        ) : undefined
      }
    >
      <div class="field-row">
        <label class="field">
          State
          <select
            name="state"
            value={state ?? ""}
            onChange={(e) => {
              const value = (e.target as HTMLSelectElement).value;
              navigate(value ? `/changes?state=${value}` : "/changes");
            }}
          >
            <option value="">all states</option>
            {CHANGE_STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {list.error ? <ErrorNote error={list.error} doing="load the changes" /> : null}
      {!list.data ? (
        <Loading what="the changes" />
      ) : list.data.length === 0 ? (
        state ? (
          <Empty title={`No change is ${state}.`}>
            <a href={linkTo("/changes")}>Show changes in every state</a>.
          </Empty>
        ) : (
          <Empty title="No change was proposed yet.">
            {canPropose ? (
              <>
                <a href={linkTo("/changes/new")}>Propose one</a> here, or{" "}
              </>
            ) : (
              "An operator proposes one here, or "
            )}
            with <code>lbguard propose haproxy.cfg -m "why"</code>.
          </Empty>
        )
      ) : (
        <table class="table changes-table" data-testid="change-list">
          <thead>
            <tr>
              <th scope="col">Change</th>
              <th scope="col">State</th>
              <th scope="col">Gate</th>
              <th scope="col">Risk</th>
              <th scope="col">What</th>
              <th scope="col">Author</th>
              <th scope="col">Approvals</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((c) => (
              <tr key={c.id} data-testid={`change-row-${c.id}`}>
                <th scope="row">
                  <a href={linkTo(`/changes/${c.id}`)}>
                    #{c.id} {c.message || "(no message)"}
                  </a>
                </th>
                <td>
                  <Badge tone={stateTone(c.state)}>{c.state}</Badge>
                </td>
                <td>
                  <Badge tone={verdictTone(c.verdict)}>{c.verdict.toUpperCase()}</Badge>
                </td>
                <td>
                  <Badge tone={riskTone(c.risk)}>{c.risk}</Badge>
                </td>
                <td class="what">{whatText(c)}</td>
                <td>{c.author}</td>
                <td class="small">{approvalsText(c)}</td>
                <td>
                  <Time iso={c.updatedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}

export function ProposePage() {
  const { api } = useSession();
  const name = useClusterName();
  const canPropose = useCan("operator");
  // The cluster is polled so that a version rolled out meanwhile is noticed before proposing.
  const cluster = usePoll(() => api.cluster(name), [name], LIST_MS);
  const current = cluster.data?.currentVersion;
  const [form, setForm] = useState<ProposeForm | undefined>(undefined);
  const [problem, setProblem] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const set = (fields: Partial<ProposeForm>) => setForm((f) => (f ? { ...f, ...fields } : f));

  const startFrom = async (version: number) => {
    try {
      const v = await api.version(version);
      const base = { version, text: v.text };
      setForm((f) => ({ ...(f ?? EMPTY_FORM), base, config: v.text }));
      setProblem(undefined);
    } catch (error) {
      setProblem(error);
    }
  };

  useEffect(() => {
    if (form === undefined && current !== undefined) void startFrom(current);
  }, [current, form === undefined]);

  const loadFile = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (file) set({ config: await file.text() });
  };

  const propose = async (event: Event) => {
    event.preventDefault();
    if (!form) return;
    const built = proposeRequest(form);
    if ("problem" in built) {
      setProblem(new Error(built.problem));
      return;
    }
    setBusy(true);
    setProblem(undefined);
    try {
      const change = await api.propose(name, built.request);
      navigate(`/changes/${change.id}`);
    } catch (error) {
      setProblem(error);
    } finally {
      setBusy(false);
    }
  };

  if (!canPropose) {
    return (
      <Page title="Propose a change">
        <Empty title="Your token cannot propose changes.">
          Proposing needs the operator role or above; ask an admin (
          <code>lbguard token create --user NAME</code>).
        </Empty>
      </Page>
    );
  }
  return (
    <Page title={`Propose a change to ${name}`}>
      {cluster.error ? <ErrorNote error={cluster.error} doing="load the cluster" /> : null}
      {!form ? (
        <Loading what="the running configuration" />
      ) : (
        <form class="card propose-form" onSubmit={(e) => void propose(e)} data-testid="propose-form">
          <p class="muted">
            Changes are made against version <strong>{form.base.version}</strong>, what the cluster runs. The
            server checks the change, predicts where traffic goes and gives a verdict before anyone reviews
            it.
          </p>
          {current !== undefined && current !== form.base.version ? (
            <div class="notice" role="status">
              Version {current} became current since you started: a change made against version{" "}
              {form.base.version} will be refused.{" "}
              <button type="button" class="button" onClick={() => void startFrom(current)}>
                Start again from version {current}
              </button>
            </div>
          ) : null}
          <fieldset class="propose-kind">
            <legend>What to change</legend>
            <label>
              <input
                type="radio"
                name="kind"
                value="config"
                checked={form.kind === "config"}
                onChange={() => set({ kind: "config" })}
              />{" "}
              New configuration (a new version)
            </label>
            <label>
              <input
                type="radio"
                name="kind"
                value="runtime"
                checked={form.kind === "runtime"}
                onChange={() => set({ kind: "runtime" })}
              />{" "}
              Runtime operation (drain, disable, enable or re-weight one machine)
            </label>
          </fieldset>
          <label class="field propose-message">
            Message: why this change
            <input
              name="message"
              type="text"
              required
              value={form.message}
              onInput={(e) => set({ message: (e.target as HTMLInputElement).value })}
              placeholder="e.g. add web-03 to the pool"
            />
          </label>
          {form.kind === "config" ? (
            <>
              <label class="field">
                Load haproxy.cfg from a file
                <input
                  name="file"
                  type="file"
                  accept=".cfg,.conf,text/plain"
                  onChange={(e) => void loadFile(e.target as HTMLInputElement)}
                />
              </label>
              <label class="field propose-config">
                Configuration (haproxy.cfg)
                <textarea
                  name="config"
                  spellcheck={false}
                  value={form.config}
                  onInput={(e) => set({ config: (e.target as HTMLTextAreaElement).value })}
                />
              </label>
            </>
          ) : (
            <OperationFields form={form} set={set} />
          )}
          <label class="propose-draft">
            <input
              type="checkbox"
              checked={form.draft}
              onChange={(e) => set({ draft: (e.target as HTMLInputElement).checked })}
            />{" "}
            Keep it as a draft (submit it for review later)
          </label>
          {problem !== undefined ? <ErrorNote error={problem} doing="propose the change" /> : null}
          <div class="propose-actions">
            <button type="submit" class="button button-primary" disabled={busy} aria-busy={busy}>
              Propose
            </button>
            {form.kind === "config" ? (
              <button
                type="button"
                class="button"
                disabled={busy}
                onClick={() => set({ config: form.base.text })}
              >
                Undo my edits
              </button>
            ) : null}
            {busy ? <span class="muted">The server is checking the change…</span> : null}
            <a href={linkTo("/changes")}>Back to the changes</a>
          </div>
        </form>
      )}
    </Page>
  );
}

const EMPTY_FORM: ProposeForm = {
  kind: "config",
  base: { version: 0, text: "" },
  message: "",
  config: "",
  backend: "",
  server: "",
  action: "drain",
  weight: "",
  draft: false,
};

const ACTIONS: { value: OperationKind; label: string }[] = [
  { value: "drain", label: "drain (finish current requests, take no new ones)" },
  { value: "disable", label: "disable (maintenance)" },
  { value: "enable", label: "enable (back in the pool)" },
  { value: "weight", label: "set its weight" },
];

function OperationFields(props: { form: ProposeForm; set: (fields: Partial<ProposeForm>) => void }) {
  const { form, set } = props;
  const pools = configServers(form.base.text);
  const servers = pools.find((p) => p.backend === form.backend.trim())?.servers ?? [];
  return (
    <div class="field-row">
      <label class="field">
        Backend
        <input
          name="backend"
          list="propose-backends"
          value={form.backend}
          onInput={(e) => set({ backend: (e.target as HTMLInputElement).value })}
        />
        <datalist id="propose-backends">
          {pools.map((p) => (
            <option key={p.backend} value={p.backend} />
          ))}
        </datalist>
      </label>
      <label class="field">
        Server
        <input
          name="server"
          list="propose-servers"
          value={form.server}
          onInput={(e) => set({ server: (e.target as HTMLInputElement).value })}
        />
        <datalist id="propose-servers">
          {servers.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      </label>
      <label class="field">
        Action
        <select
          name="action"
          value={form.action}
          onChange={(e) => set({ action: (e.target as HTMLSelectElement).value as OperationKind })}
        >
          {ACTIONS.map((a) => (
            <option key={a.value} value={a.value}>
              {a.label}
            </option>
          ))}
        </select>
      </label>
      {form.action === "weight" ? (
        <label class="field">
          Weight (0–256)
          <input
            name="weight"
            type="number"
            min={0}
            max={256}
            step={1}
            value={form.weight}
            onInput={(e) => set({ weight: (e.target as HTMLInputElement).value })}
          />
        </label>
      ) : null}
    </div>
  );
}
