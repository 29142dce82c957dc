import { codesOfPath } from '../auth/scope.js';

/**
 * Subscribers indexed by the unit code they watch. An event for a record at path
 * `a.b.c.d` reaches the subscribers watching `a`, `a.b`, `a.b.c` or `a.b.c.d` (at most five
 * lookups), never by testing every subscriber. Each candidate then applies its own
 * ability and filter (`offer`).
 */
/** Watches every unit: for a principal whose rules carry no unit condition. */
export const EVERY_UNIT = '*';

export interface Watcher<R, I = R> {
  /** Unit codes this subscriber watches (its scope roots, narrowed by its filter), or EVERY_UNIT. */
  readonly roots: readonly string[];
  /**
   * Decide and deliver; called at most once per record even when several roots match. `item` is
   * what is delivered (made once per record for all subscribers; the record itself by default).
   */
  offer(record: R, item: I): void;
}

export class UnitIndexedFanout<R extends { unitPath: string }, I = R> {
  private readonly byUnit = new Map<string, Set<Watcher<R, I>>>();
  private count = 0;

  add(watcher: Watcher<R, I>): () => void {
    for (const code of watcher.roots) {
      let set = this.byUnit.get(code);
      if (!set) {
        set = new Set();
        this.byUnit.set(code, set);
      }
      set.add(watcher);
    }
    this.count++;
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      this.count--;
      for (const code of watcher.roots) {
        const set = this.byUnit.get(code);
        set?.delete(watcher);
        if (set && set.size === 0) this.byUnit.delete(code);
      }
    };
  }

  get size(): number {
    return this.count;
  }

  /**
   * The subscribers watching a unit on any of `paths` (a record's own unit path; a case also
   * lives at its assignee unit), each once: whom a record at those paths is offered to.
   */
  candidates(paths: readonly string[]): Set<Watcher<R, I>> {
    const found = new Set<Watcher<R, I>>();
    const codes = new Set<string>([EVERY_UNIT]);
    for (const path of paths) for (const code of codesOfPath(path)) codes.add(code);
    for (const code of codes) for (const watcher of this.byUnit.get(code) ?? []) found.add(watcher);
    return found;
  }
}
