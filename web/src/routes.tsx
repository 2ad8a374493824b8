// Every page of the dashboard: its address, its place in the navigation, and what renders it.
// A page is added here and nowhere else.
import type { VNode } from "preact";
import { AlertDetailPage } from "./pages/alert-detail.js";
import { AlertsPage } from "./pages/alerts.js";
import { AuditPage } from "./pages/audit.js";
import { ChangeDetailPage } from "./pages/change-detail.js";
import { ChangesPage, ProposePage } from "./pages/changes.js";
import { HistoryPage } from "./pages/history.js";
import { IncidentDetailPage } from "./pages/incident-detail.js";
import { IncidentsPage } from "./pages/incidents.js";
import { OverviewPage } from "./pages/overview.js";
import { TrafficPage } from "./pages/traffic.js";

export interface PageRoute {
  /** e.g. `/changes/:id`. */
  pattern: string;
  /** The navigation entry; pages reached from another page (details) have none. */
  nav?: string;
  render: (params: Record<string, string>) => VNode;
}

export const ROUTES: PageRoute[] = [
  { pattern: "/", nav: "Overview", render: () => <OverviewPage /> },
  { pattern: "/traffic", nav: "Live traffic", render: () => <TrafficPage /> },
  { pattern: "/changes", nav: "Changes", render: () => <ChangesPage /> },
  // Before `/changes/:id`, which would otherwise take "new" for a change number.
  { pattern: "/changes/new", render: () => <ProposePage /> },
  { pattern: "/changes/:id", render: (p) => <ChangeDetailPage id={p.id ?? ""} /> },
  { pattern: "/history", nav: "History", render: (p) => <HistoryPage params={p} /> },
  { pattern: "/history/:from/:to", render: (p) => <HistoryPage params={p} /> },
  { pattern: "/audit", nav: "Audit", render: () => <AuditPage /> },
  { pattern: "/alerts", nav: "Alerts", render: () => <AlertsPage /> },
  { pattern: "/alerts/:id", render: (p) => <AlertDetailPage id={p.id ?? ""} /> },
  { pattern: "/incidents", nav: "Incidents", render: () => <IncidentsPage /> },
  { pattern: "/incidents/:id", render: (p) => <IncidentDetailPage id={p.id ?? ""} /> },
];
