/**
 * A priority queue of small integer members (server indexes) ordered by a numeric key, where
 * members with equal keys leave in the order they entered. That is how HAProxy's elastic
 * binary trees order duplicate keys, and the balancing algorithms depend on it: equal-weight
 * servers take turns in declaration order.
 */
export class OrderedQueue {
  private readonly heap: number[] = [];
  private readonly keys: Float64Array;
  private readonly seqs: Float64Array;
  /** Position of each member in `heap`, -1 when absent. */
  private readonly slot: Int32Array;
  private nextSeq = 0;

  constructor(capacity: number) {
    this.keys = new Float64Array(capacity);
    this.seqs = new Float64Array(capacity);
    this.slot = new Int32Array(capacity).fill(-1);
  }

  get size(): number {
    return this.heap.length;
  }

  has(member: number): boolean {
    return this.slot[member]! >= 0;
  }

  keyOf(member: number): number {
    return this.keys[member]!;
  }

  /** The member with the lowest key (the earliest among equals), or -1 when empty. */
  first(): number {
    return this.heap.length > 0 ? this.heap[0]! : -1;
  }

  /** Members in order, lowest key first; for walks that must look past a saturated server. */
  inOrder(): number[] {
    return [...this.heap].sort((a, b) => (this.before(a, b) ? -1 : 1));
  }

  /** Adds a member behind every member with the same key. */
  insert(member: number, key: number): void {
    if (this.has(member)) this.delete(member);
    this.keys[member] = key;
    this.seqs[member] = this.nextSeq++;
    this.heap.push(member);
    this.slot[member] = this.heap.length - 1;
    this.up(this.heap.length - 1);
  }

  delete(member: number): void {
    const at = this.slot[member]!;
    if (at < 0) return;
    const last = this.heap.pop()!;
    this.slot[member] = -1;
    if (at === this.heap.length) return;
    this.heap[at] = last;
    this.slot[last] = at;
    this.down(at);
    this.up(this.slot[last]!);
  }

  clear(): void {
    for (const member of this.heap) this.slot[member] = -1;
    this.heap.length = 0;
  }

  private before(a: number, b: number): boolean {
    const ka = this.keys[a]!;
    const kb = this.keys[b]!;
    return ka < kb || (ka === kb && this.seqs[a]! < this.seqs[b]!);
  }

  private up(at: number): void {
    const heap = this.heap;
    const member = heap[at]!;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.before(member, heap[parent]!)) break;
      heap[at] = heap[parent]!;
      this.slot[heap[at]!] = at;
      at = parent;
    }
    heap[at] = member;
    this.slot[member] = at;
  }

  private down(at: number): void {
    const heap = this.heap;
    const member = heap[at]!;
    const n = heap.length;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.before(heap[right]!, heap[left]!) ? right : left;
      if (!this.before(heap[child]!, member)) break;
      heap[at] = heap[child]!;
      this.slot[heap[at]!] = at;
      at = child;
    }
    heap[at] = member;
    this.slot[member] = at;
  }
}
