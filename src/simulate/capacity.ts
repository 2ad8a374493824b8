import type {
  BackendPrediction,
  CapacityReport,
  FailureOutcome,
  Overload,
  SimulationResult,
} from "./types.js";

/** Rates closer than this (req/s) count as unchanged. */
const RATE_EPSILON = 1e-6;

/** True when the inventory gives a capacity for at least one server of these backends. */
export function hasKnownCapacity(backends: readonly BackendPrediction[]): boolean {
  return backends.some((b) => b.servers.some((s) => s.capacityRps !== undefined));
}

/** One machine: the server lines at one address, across backends. */
interface Machine {
  name: string;
  address: string;
  capacityRps?: number;
  lines: { backend: string; server: string }[];
}

/**
 * Utilisation now and under every single-machine failure (N-1). `resimulate` predicts the
 * backends touched by a set of failed server lines (`backend/server`) again, replaying the
 * traffic or only rebuilding the pools; only machines that
 * carry traffic now are failed, since losing an idle one moves nothing.
 */
export function predictCapacity(
  result: SimulationResult,
  resimulate: (down: ReadonlySet<string>, replay: boolean) => BackendPrediction[],
  failures: boolean,
): CapacityReport {
  const nMinus1: FailureOutcome[] = [];
  const capacityKnown = hasKnownCapacity(result.backends);
  // Nothing can overload without a known capacity: skip the per-machine tally on large configs.
  if (!failures && !capacityKnown) return { now: [], nMinus1 };
  const machines = machinesOf(result.backends);
  const now = overloads(machines, result.backends);
  if (!failures) return { now, nMinus1 };
  const rates = machineRates(result.backends);
  for (const machine of machines.values()) {
    if ((rates.get(machine.address) ?? 0) <= 0) continue;
    const down = new Set(machine.lines.map((l) => `${l.backend}/${l.server}`));
    // Without any known capacity a failure matters only by emptying a backend, which the pools
    // alone tell: no need to replay the traffic.
    const replaced = new Map(resimulate(down, capacityKnown).map((b) => [b.name, b]));
    const after = result.backends.map((b) => replaced.get(b.name) ?? b);
    const emptied = [...replaced.values()]
      .filter((b) => b.rps > 0 && b.unservedShare >= 1)
      .map((b) => b.name);
    nMinus1.push({
      failed: { backend: backendsOf(machine), server: machine.name, address: machine.address },
      // Only what the failure causes: a machine already over capacity at the same rate is
      // reported under `now`.
      overloads: overloads(machines, after).filter(
        (o) => o.address !== machine.address && o.rps > (rates.get(o.address) ?? 0) + RATE_EPSILON,
      ),
      emptied,
    });
  }
  return { now, nMinus1 };
}

function machinesOf(backends: readonly BackendPrediction[]): Map<string, Machine> {
  const machines = new Map<string, Machine>();
  for (const b of backends) {
    for (const s of b.servers) {
      let machine = machines.get(s.address);
      if (!machine) {
        machine = { name: s.inventoryName ?? s.name, address: s.address, lines: [] };
        if (s.capacityRps !== undefined) machine.capacityRps = s.capacityRps;
        machines.set(s.address, machine);
      }
      machine.lines.push({ backend: b.name, server: s.name });
    }
  }
  return machines;
}

/** Request rate of every machine, by address. */
function machineRates(backends: readonly BackendPrediction[]): Map<string, number> {
  const rates = new Map<string, number>();
  for (const b of backends) {
    for (const s of b.servers) rates.set(s.address, (rates.get(s.address) ?? 0) + s.rps);
  }
  return rates;
}

function overloads(machines: Map<string, Machine>, backends: readonly BackendPrediction[]): Overload[] {
  const out: Overload[] = [];
  const rates = machineRates(backends);
  for (const machine of machines.values()) {
    if (machine.capacityRps === undefined) continue;
    const rps = rates.get(machine.address) ?? 0;
    if (rps <= machine.capacityRps) continue;
    out.push({
      backend: backendsOf(machine),
      server: machine.name,
      address: machine.address,
      rps,
      capacityRps: machine.capacityRps,
      excessRps: rps - machine.capacityRps,
    });
  }
  return out;
}

function backendsOf(machine: Machine): string {
  return [...new Set(machine.lines.map((l) => l.backend))].join(", ");
}
