import { describe, expect, test } from 'vitest';
import { type Linkable, LinkedSet } from '../src/linked-set.js';

/** An entry as the set's users make them: its links on itself, unlinked to start with. */
class Entry implements Linkable<Entry> {
  linkedBefore: Entry | undefined = undefined;
  linkedAfter: Entry | undefined = undefined;
  linked = false;
  constructor(readonly name: string) {}
}

function entries<const N extends readonly string[]>(...names: N): { [K in keyof N]: Entry } {
  return names.map((name) => new Entry(name)) as { [K in keyof N]: Entry };
}

function setOf(list: readonly Entry[]): LinkedSet<Entry> {
  const set = new LinkedSet<Entry>();
  for (const entry of list) set.add(entry);
  return set;
}

const names = (list: readonly Entry[]) => list.map((entry) => entry.name);

/**
 * The set holds exactly `expected`, in that order: the size, then each entry's
 * own links both ways (nothing past either end), and only then the snapshot,
 * so a broken chain fails here rather than sending the snapshot round a loop.
 */
function expectChain(set: LinkedSet<Entry>, expected: readonly Entry[]): void {
  expect(set.size).toBe(expected.length);
  expected.forEach((entry, index) => {
    expect(entry.linked, `${entry.name} linked`).toBe(true);
    expect(entry.linkedBefore?.name, `before ${entry.name}`).toBe(expected[index - 1]?.name);
    expect(entry.linkedAfter?.name, `after ${entry.name}`).toBe(expected[index + 1]?.name);
    expect(entry.linkedBefore === expected[index - 1], `before ${entry.name} is that entry`).toBe(true);
    expect(entry.linkedAfter === expected[index + 1], `after ${entry.name} is that entry`).toBe(true);
  });
  const snapshot = set.snapshot();
  expect(names(snapshot)).toEqual(names(expected));
  expect(snapshot.every((entry, index) => entry === expected[index])).toBe(true);
}

function expectUnlinked(entry: Entry): void {
  expect(entry.linked).toBe(false);
  expect(entry.linkedBefore).toBeUndefined();
  expect(entry.linkedAfter).toBeUndefined();
}

describe('LinkedSet', () => {
  test('an empty set has size 0 and an empty snapshot', () => {
    const set = new LinkedSet<Entry>();
    expect(set.size).toBe(0);
    expect(set.snapshot()).toEqual([]);
  });

  test('add keeps the order entries came in, oldest first, and links each to its neighbours', () => {
    const [a, b, c] = entries('a', 'b', 'c');
    const set = new LinkedSet<Entry>();
    set.add(a);
    expectChain(set, [a]);
    set.add(b);
    expectChain(set, [a, b]);
    set.add(c);
    expectChain(set, [a, b, c]);
  });

  test.each([
    ['first', 0],
    ['second (a middle)', 1],
    ['third (a middle)', 2],
    ['last', 3],
  ])('deleting the %s entry relinks its neighbours and unlinks it', (_where, at) => {
    const list = entries('a', 'b', 'c', 'd');
    const set = setOf(list);
    const gone = list[at]!;
    expect(set.delete(gone)).toBe(true);
    expectChain(
      set,
      list.filter((entry) => entry !== gone),
    );
    expectUnlinked(gone);
  });

  test('deleting the only entry empties the set, and it can be filled again', () => {
    const [only, next] = entries('only', 'next');
    const set = setOf([only]);
    expect(set.delete(only)).toBe(true);
    expect(set.size).toBe(0);
    expect(set.snapshot()).toEqual([]);
    expectUnlinked(only);
    // Nothing of the old entry lingers: the next add starts a fresh chain.
    set.add(next);
    expectChain(set, [next]);
  });

  test('deleting the last entry makes the one before it last: later adds link after it', () => {
    const [a, b, c] = entries('a', 'b', 'c');
    const set = setOf([a, b]);
    set.delete(b);
    set.add(c);
    expectChain(set, [a, c]);
  });

  test('deleting an entry that is not in the set answers false and changes nothing', () => {
    const [a, b, c, stranger] = entries('a', 'b', 'c', 'stranger');
    const set = setOf([a, b, c]);
    expect(set.delete(stranger)).toBe(false);
    expectChain(set, [a, b, c]);
    expectUnlinked(stranger);
    expect(new LinkedSet<Entry>().delete(stranger)).toBe(false);
  });

  test('deleting an entry twice: the second answers false and changes nothing', () => {
    const [a, b, c] = entries('a', 'b', 'c');
    const set = setOf([a, b, c]);
    expect(set.delete(b)).toBe(true);
    expect(set.delete(b)).toBe(false);
    expectChain(set, [a, c]);
    expect(set.delete(c)).toBe(true);
    expect(set.delete(c)).toBe(false);
    expectChain(set, [a]);
    expect(set.delete(a)).toBe(true);
    expect(set.delete(a)).toBe(false);
    expectChain(set, []);
  });

  test('adding an entry already in the set is a no-op, wherever it sits', () => {
    const [a, b, c] = entries('a', 'b', 'c');
    const set = setOf([a, b, c]);
    set.add(c);
    expectChain(set, [a, b, c]);
    set.add(b);
    expectChain(set, [a, b, c]);
    set.add(a);
    expectChain(set, [a, b, c]);
    const single = entries('single')[0];
    const one = setOf([single]);
    one.add(single);
    expectChain(one, [single]);
  });

  test('an entry deleted and added again goes to the end', () => {
    const [a, b, c] = entries('a', 'b', 'c');
    const set = setOf([a, b, c]);
    set.delete(a);
    set.add(a);
    expectChain(set, [b, c, a]);
    set.delete(c);
    set.add(c);
    expectChain(set, [b, a, c]);
    set.delete(c);
    set.add(c);
    expectChain(set, [b, a, c]);
  });

  test('size follows every add and delete, and no-ops leave it alone', () => {
    const list = entries('a', 'b', 'c', 'd', 'e');
    const set = new LinkedSet<Entry>();
    list.forEach((entry, index) => {
      set.add(entry);
      expect(set.size).toBe(index + 1);
      set.add(entry);
      expect(set.size).toBe(index + 1);
    });
    [2, 0, 4, 1, 3].forEach((at, deleted) => {
      const entry = list[at]!;
      expect(set.delete(entry)).toBe(true);
      expect(set.size).toBe(4 - deleted);
      expect(set.delete(entry)).toBe(false);
      expect(set.size).toBe(4 - deleted);
    });
  });

  test('a snapshot is a copy: changing it does not change the set, and each call gives a new one', () => {
    const [a, b] = entries('a', 'b');
    const set = setOf([a, b]);
    const first = set.snapshot();
    expect(set.snapshot()).not.toBe(first);
    first.pop();
    first.push(new Entry('pushed'));
    first.reverse();
    expectChain(set, [a, b]);
  });

  test('a snapshot keeps what the set held when it was taken', () => {
    const [a, b, c, d] = entries('a', 'b', 'c', 'd');
    const set = setOf([a, b, c]);
    const before = set.snapshot();
    set.delete(b);
    set.add(d);
    expect(names(before)).toEqual(['a', 'b', 'c']);
    expectChain(set, [a, c, d]);
  });

  test('deleting every entry while going through a snapshot visits each once and empties the set', () => {
    const list = entries('a', 'b', 'c', 'd');
    const set = setOf(list);
    const visited: string[] = [];
    for (const entry of set.snapshot()) {
      visited.push(entry.name);
      expect(set.delete(entry)).toBe(true);
    }
    expect(visited).toEqual(['a', 'b', 'c', 'd']);
    expectChain(set, []);
    for (const entry of list) expectUnlinked(entry);
  });

  test('deleting and adding entries while going through a snapshot does not disturb the walk', () => {
    const [a, b, c, d, e] = entries('a', 'b', 'c', 'd', 'e');
    const set = setOf([a, b, c, d]);
    const visited: string[] = [];
    for (const entry of set.snapshot()) {
      visited.push(entry.name);
      // What a sweep or a renewal may do: the visit removes the entry after it and adds a new one.
      if (entry === a) {
        set.delete(b);
        set.add(e);
      }
      // ...or removes the entry being visited.
      if (entry === c) set.delete(c);
    }
    // The snapshot was taken before the walk: b is still visited, e is not.
    expect(visited).toEqual(['a', 'b', 'c', 'd']);
    expectChain(set, [a, d, e]);
  });

  test('an entry moved from one set to another is linked only in the second', () => {
    const [a, b, c] = entries('a', 'b', 'c');
    const first = setOf([a, b]);
    const second = setOf([c]);
    expect(first.delete(b)).toBe(true);
    second.add(b);
    expectChain(first, [a]);
    expectChain(second, [c, b]);
  });

  test('a long run of adds and deletes agrees with a plain Set throughout', () => {
    const pool = Array.from({ length: 12 }, (_, index) => new Entry(`e${index}`));
    const set = new LinkedSet<Entry>();
    // A Set keeps insertion order and moves nothing on a repeated add, as LinkedSet does.
    const model = new Set<Entry>();
    // A fixed pseudo-random walk, so a failure repeats.
    let seed = 7;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 8;
    };
    for (let step = 0; step < 500; step++) {
      const entry = pool[next() % pool.length]!;
      if (next() % 2 === 0) {
        set.add(entry);
        model.add(entry);
      } else {
        expect(set.delete(entry)).toBe(model.delete(entry));
      }
      expectChain(set, [...model]);
    }
    for (const entry of pool) expect(entry.linked).toBe(model.has(entry));
  });
});
