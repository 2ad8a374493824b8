import { isFull, type Pool, type PoolServer } from "../pool.js";
import { buildWeightMap, mapWeights } from "../hash/weight-map.js";

/**
 * HAProxy's weight table for `static-rr` and map-based hashing: one slot per unit of weight
 * (weights divided by the gcd of every server's weight), servers spread over it evenly, and a
 * cursor for round-robin walks. When only backups are usable and `allbackups` is off, the table
 * is as long as the first backup's weight, yet it is filled from every usable backup, so a
 * second backup can take a share: HAProxy 2.6 behaves so and lbguard predicts it.
 */
export class WeightTable {
  readonly slots: PoolServer[];
  private cursor = 0;

  constructor(pool: Pool) {
    const reduced = mapWeights(pool.servers.map((s) => s.weight));
    const inGroup = (s: PoolServer) => s.usable && s.backup === pool.onBackups;
    const weights = pool.servers.map((s, i) => (inGroup(s) ? reduced[i]! : 0));
    const allBackups = pool.backend.options["allbackups"]?.value === true;
    const firstBackup = pool.onBackups && !allBackups ? pool.inService[0] : undefined;
    const table = buildWeightMap(weights, firstBackup ? reduced[firstBackup.index] : undefined);
    this.slots = Array.from(table, (i) => pool.servers[i]!);
  }

  /** The server at `hash` modulo the table length. */
  at(hash: number): PoolServer | undefined {
    return this.slots.length === 0 ? undefined : this.slots[hash % this.slots.length];
  }

  /** The next server in table order that is not full; the cursor stays put when all are. */
  next(): PoolServer | undefined {
    const n = this.slots.length;
    for (let step = 0; step < n; step++) {
      const i = (this.cursor + step) % n;
      const server = this.slots[i]!;
      if (!isFull(server)) {
        this.cursor = (i + 1) % n;
        return server;
      }
    }
    return undefined;
  }
}
