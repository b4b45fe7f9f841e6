/**
 * The walker's entries cross the threads packed in columns. Unpacked after a structured clone (the trip a
 * batch makes), a batch must give exactly the items the walker yielded, expanded: same values, same key
 * order, same positions for the items that are not listed entries (the root, error records).
 */
import type { Stats } from 'node:fs';
import { serialize } from 'node:v8';
import test from 'ava';
import { type Parent, packWalk, unpackWalk, WalkChunk, walkChunkSize } from '../lib/walk-codec.js';
import type { Entry, WalkError } from '../lib/walk-types.js';

function roundTrip(chunks: WalkChunk[]): unknown[] {
  const out: unknown[] = [];
  unpackWalk(structuredClone(packWalk(chunks)), (item) => out.push(item));
  return out;
}

function assertSameItems(t: import('ava').ExecutionContext, actual: unknown[], expected: unknown[]): void {
  t.deepEqual(actual, expected);
  actual.forEach((item, index) => {
    t.deepEqual(Object.keys(item as object), Object.keys(expected[index] as object), `key order of item ${index}`);
  });
}

/** A chunk holding `items`: `[parent, name, type code, stats?]` for a listed entry, anything else as is. */
function chunkOf(...items: unknown[]): WalkChunk {
  const chunk = new WalkChunk();
  for (const item of items) {
    if (Array.isArray(item)) chunk.addListed(item[0] as Parent, item[1] as string, item[2] as number, item[3] as Stats);
    else chunk.addOther(item);
  }
  return chunk;
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

const root: Entry = { path: '/r', name: 'r', type: 'directory', depth: 0 };

test('entries, the root and error records come back in order, as the walker added them', (t) => {
  // A parent left and returned to (after its subdirectory's entries), as in find's pre-order.
  const chunk = chunkOf(
    root,
    [a, 'file one', 0],
    [a, 'sub', 1],
    [b, 'ünïcödé\nname', 2],
    failure,
    [b, 'fifo', 3],
    [a, 'last', 0],
    failure,
  );
  t.is(walkChunkSize(chunk), 8);
  assertSameItems(t, roundTrip([chunk]), [
    root,
    { path: '/r/file one', name: 'file one', type: 'file', depth: 1 },
    { path: '/r/sub', name: 'sub', type: 'directory', depth: 1 },
    { path: '/r/sub/ünïcödé\nname', name: 'ünïcödé\nname', type: 'symlink', depth: 2 },
    failure,
    { path: '/r/sub/fifo', name: 'fifo', type: 'other', depth: 2 },
    { path: '/r/last', name: 'last', type: 'file', depth: 1 },
    failure,
  ]);
});

test('a batch of several chunks comes back as their items one after another', (t) => {
  const chunks = [chunkOf(root, [a, 'x', 0]), chunkOf([a, 'y', 1], failure), chunkOf([b, 'z', 0], [a, 'w', 0])];
  assertSameItems(t, roundTrip(chunks), [
    root,
    { path: '/r/x', name: 'x', type: 'file', depth: 1 },
    { path: '/r/y', name: 'y', type: 'directory', depth: 1 },
    failure,
    { path: '/r/sub/z', name: 'z', type: 'file', depth: 2 },
    { path: '/r/w', name: 'w', type: 'file', depth: 1 },
  ]);
});

test('with stats, every entry carries size, mtimeMs, mode, ino and dev exactly', (t) => {
  const stats = (n: number) =>
    ({ size: 2 ** 40 + n, mtimeMs: 1_700_000_000_123.456 + n, mode: 0o100644, ino: 2 ** 53 - n, dev: 64_769 }) as Stats;
  const out = roundTrip([chunkOf([a, 'x', 0, stats(1)], failure), chunkOf([b, 'y', 1, stats(2)])]);
  assertSameItems(t, out, [
    { path: '/r/x', name: 'x', type: 'file', depth: 1, ...stats(1) },
    failure,
    { path: '/r/sub/y', name: 'y', type: 'directory', depth: 2, ...stats(2) },
  ]);
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
  assertSameItems(t, roundTrip([chunkOf(failure, failure)]), [failure, failure]);
  t.deepEqual(roundTrip([]), []);
  t.deepEqual(roundTrip([new WalkChunk()]), []);
});

test('a batch mixing entries with and without stats is refused, not garbled', (t) => {
  t.throws(() => packWalk([chunkOf([a, 'x', 0]), chunkOf([a, 'y', 0, { size: 1 } as Stats])]), {
    code: 'ERR_WORKER_READABLE_INTERNAL',
  });
});

test('packed columns are dense arrays and typed arrays, cheap to clone', (t) => {
  const packed = packWalk([chunkOf(root, [a, 'x', 0]), chunkOf([b, 'y', 1])]);
  // V8's wire format: 0xFF, the version, then the tag: 'A' for a dense array ('a', sparse, costs ~3x).
  for (const column of [packed.prefixes, packed.depths, packed.runs, packed.names, packed.others, packed.otherAt]) {
    t.is(String.fromCharCode(serialize(column)[2] as number), 'A');
  }
  t.true(packed.types instanceof Uint8Array);
  t.is(packed.stats, null);
  t.deepEqual(packed.runs, [0, 1, 1, 1]);
  t.deepEqual(packed.otherAt, [0]);
});
