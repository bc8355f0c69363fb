/** What an entry of a LinkedSet carries: its links, on the entry itself. */
export interface Linkable<T> {
  linkedBefore: T | undefined;
  linkedAfter: T | undefined;
  linked: boolean;
}

/**
 * A set of objects kept as a doubly linked list through the entries' own
 * fields: adding and deleting are a few field writes. A Set of objects must
 * give each new object an identity hash first (a call into V8's runtime), which
 * costs about a microsecond per request on a path that adds and deletes one
 * entry per request (a body read's deadline, a lease being renewed). An entry
 * is in at most one LinkedSet at a time.
 */
export class LinkedSet<T extends Linkable<T>> {
  #last: T | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(entry: T): void {
    if (entry.linked) return;
    entry.linked = true;
    entry.linkedBefore = this.#last;
    entry.linkedAfter = undefined;
    if (this.#last !== undefined) this.#last.linkedAfter = entry;
    this.#last = entry;
    this.#size++;
  }

  /** Removes the entry; whether it was in the set. */
  delete(entry: T): boolean {
    if (!entry.linked) return false;
    const { linkedBefore: before, linkedAfter: after } = entry;
    if (after === undefined) this.#last = before;
    else after.linkedBefore = before;
    if (before !== undefined) before.linkedAfter = after;
    entry.linked = false;
    entry.linkedBefore = undefined;
    entry.linkedAfter = undefined;
    this.#size--;
    return true;
  }

  /** The entries as they are now, oldest first: a caller may add or delete while it goes through them. */
  snapshot(): T[] {
    const entries: T[] = new Array(this.#size);
    let index = this.#size;
    for (let entry = this.#last; entry !== undefined; entry = entry.linkedBefore) entries[--index] = entry;
    return entries;
  }
}
