/**
 * The walker's entries cross the threads packed in columns. Unpacked after a structured clone (the trip a
 * batch makes), a batch must give exactly the items the walker yielded, expanded: same values, same key
 * order, same positions for the items that are not listed entries (the root, error records).
 */
import type { Stats } from 'node:fs';
import test from 'ava';
import { expand, Listed, type Parent, packWalk, unpackWalk } from '../lib/walk-codec.js';
import type { WalkError } from '../lib/walk-types.js';

function roundTrip(items: unknown[]): unknown[] {
  const out: unknown[] = [];
  unpackWalk(structuredClone(packWalk(items)), (item) => out.push(item));
  return out;
}

function assertSameItems(t: import('ava').ExecutionContext, actual: unknown[], expected: unknown[]): void {
  t.deepEqual(actual, expected);
  actual.forEach((item, index) => {
    t.deepEqual(Object.keys(item as object), Object.keys(expected[index] as object), `key order of item ${index}`);
  });
}

const a: Parent = { prefix: '/r/', depth: 1 };
const b: Parent = { prefix: '/r/sub/', depth: 2 };
const failure: WalkError = {
  type: 'error',
  path: '/r/locked',
  name: 'locked',
  depth: 1,
  error: { code: 'EACCES', syscall: 'scandir', message: "EACCES: permission denied, scandir '/r/locked'", errno: -13 },
};

test('entries, the root and error records come back in order, as the walker yielded them', (t) => {
  const root = { path: '/r', name: 'r', type: 'directory', depth: 0 };
  // A parent left and returned to (after its subdirectory's entries), as in find's pre-order.
  const items = [
    root,
    new Listed(a, 'file one', 0, undefined),
    new Listed(a, 'sub', 1, undefined),
    new Listed(b, 'ünïcödé\nname', 2, undefined),
    failure,
    new Listed(b, 'fifo', 3, undefined),
    new Listed(a, 'last', 0, undefined),
    failure,
  ];
  const out = roundTrip(items);
  assertSameItems(t, out, items.map(expand));
  t.deepEqual(out[3], { path: '/r/sub/ünïcödé\nname', name: 'ünïcödé\nname', type: 'symlink', depth: 2 });
  t.deepEqual(out[5], { path: '/r/sub/fifo', name: 'fifo', type: 'other', depth: 2 });
});

test('with stats, every entry carries size, mtimeMs, mode, ino and dev exactly', (t) => {
  const stats = (n: number) =>
    ({ size: 2 ** 40 + n, mtimeMs: 1_700_000_000_123.456 + n, mode: 0o100644, ino: 2 ** 53 - n, dev: 64_769 }) as Stats;
  const items = [new Listed(a, 'x', 0, stats(1)), failure, new Listed(b, 'y', 1, stats(2))];
  const out = roundTrip(items);
  assertSameItems(t, out, items.map(expand));
  t.deepEqual(out[2], {
    path: '/r/sub/y',
    name: 'y',
    type: 'directory',
    depth: 2,
    size: 2 ** 40 + 2,
    mtimeMs: 1_700_000_000_125.456,
    mode: 0o100644,
    ino: 2 ** 53 - 2,
    dev: 64_769,
  });
});

test('a batch of only other items, and an empty batch', (t) => {
  assertSameItems(t, roundTrip([failure, failure]), [failure, failure]);
  t.deepEqual(roundTrip([]), []);
});

test('a batch mixing entries with and without stats is refused, not garbled', (t) => {
  const error = t.throws(() => packWalk([new Listed(a, 'x', 0, undefined), new Listed(a, 'y', 0, {} as Stats)]));
  t.regex(String(error?.message), /internal error/);
});
