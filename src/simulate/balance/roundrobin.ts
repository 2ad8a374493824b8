import { isFull, type PoolServer } from "../pool.js";
import { OrderedQueue } from "../ordered-queue.js";
import {
  MAX_EFFECTIVE_WEIGHT,
  WEIGHT_SCALE,
  effectiveWeight,
  soleBackup,
  type Balancer,
  type BalancerContext,
} from "./balancer.js";

/**
 * `balance roundrobin`: HAProxy's weighted round robin over a moving window (the "fwrr" trees).
 * Each server has a next position on a wheel as long as the total effective weight; a pick
 * advances it by total / weight, carrying the remainder, so heavier servers come back sooner.
 * Servers not yet placed wait in an "init" queue, heaviest first, and enter when the wheel
 * reaches a hole; servers that run past the window wait in a "next" queue for the next turn.
 * Reproducing this, rather than plain proportional shares, gives HAProxy's exact pick sequence,
 * including its uneven first cycle.
 */
export function roundRobin(context: BalancerContext): Balancer {
  const { pool } = context;
  const servers = pool.inService;
  const n = pool.servers.length;
  const position = new Float64Array(n);
  const remainder = new Float64Array(n);
  const current = new OrderedQueue(n);
  let waiting = new OrderedQueue(n);
  let later = new OrderedQueue(n);
  const total = servers.reduce((sum, s) => sum + effectiveWeight(s), 0);
  let windowPos = total;
  let windowWeight = total;

  const byWeight = (s: PoolServer): number => MAX_EFFECTIVE_WEIGHT - effectiveWeight(s);
  for (const s of servers) waiting.insert(s.index, byWeight(s));

  const candidate = (): number => {
    const head = current.first();
    if (head >= 0 && position[head]! <= windowPos) return head;
    const fresh = waiting.first();
    if (fresh >= 0) {
      position[fresh] = 0;
      remainder[fresh] = 0;
      return fresh;
    }
    return head;
  };

  const advance = (i: number, weight: number): void => {
    let pos = position[i] === 0 ? windowPos : position[i]!;
    let rest = remainder[i]! + (total % weight);
    pos += Math.floor(total / weight);
    if (rest >= weight) {
      rest -= weight;
      pos++;
    }
    position[i] = pos;
    remainder[i] = rest;
  };

  const requeue = (s: PoolServer): void => {
    const i = s.index;
    const weight = effectiveWeight(s);
    if (position[i]! >= 2 * windowWeight || position[i]! >= windowWeight + total) {
      position[i] = position[i]! - windowWeight;
      later.insert(i, byWeight(s));
    } else {
      current.insert(
        i,
        256 * position[i]! + Math.floor((MAX_EFFECTIVE_WEIGHT + remainder[i]! - weight) / WEIGHT_SCALE),
      );
    }
  };

  const detach = (i: number): void => {
    current.delete(i);
    waiting.delete(i);
    later.delete(i);
  };

  return {
    pick() {
      const backup = soleBackup(pool);
      if (backup) return backup;
      if (servers.length === 0) return undefined;
      let switched = false;
      const skipped: PoolServer[] = [];
      let chosen: PoolServer | undefined;
      for (;;) {
        let i = candidate();
        if (i < 0) {
          if (switched) break;
          switched = true;
          [waiting, later] = [later, waiting];
          windowWeight = total;
          windowPos = total;
          i = candidate();
          if (i < 0) break;
        }
        const s = pool.servers[i]!;
        advance(i, effectiveWeight(s));
        detach(i);
        windowPos++;
        // A saturated server still uses up its turn on the wheel.
        if (!isFull(s)) {
          chosen = s;
          break;
        }
        skipped.push(s);
      }
      if (chosen) requeue(chosen);
      for (const s of skipped) {
        if (switched) waiting.insert(s.index, byWeight(s));
        else requeue(s);
      }
      return chosen;
    },
  };
}
