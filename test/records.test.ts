/**
 * Flat records cross in columns (keys once, values in one array) for speed. What arrives must be exactly
 * what structured clone would give: same keys in the same order, same primitives, plain prototypes.
 */
import test from 'ava';
import { WorkerReadable } from 'worker-readable';
import * as values from './fixtures/values.js';
import { fixture } from './helpers.js';

const VALUES = fixture('values.js');

function assertSameAsClone(t: import('ava').ExecutionContext, actual: unknown[], expected: unknown[]): void {
  t.is(actual.length, expected.length);
  t.deepEqual(actual, expected);
  actual.forEach((item, index) => {
    const clone = expected[index] as Record<string, unknown>;
    const received = item as Record<string, unknown>;
    t.deepEqual(Object.keys(received), Object.keys(clone), `key order of item ${index}`);
    t.is(Object.getPrototypeOf(received), Object.getPrototypeOf(clone), `prototype of item ${index}`);
    for (const key of Object.keys(clone))
      t.true(Object.is(received[key], clone[key]) || typeof clone[key] === 'object');
  });
}

for (const highWaterMark of [1, 64, 1000]) {
  test(`flat records of every primitive arrive as structured clone gives them (highWaterMark ${highWaterMark})`, async (t) => {
    const actual = await new WorkerReadable(VALUES, { export: 'flatRecords', args: [500], highWaterMark }).toArray();
    assertSameAsClone(
      t,
      actual,
      [...values.flatRecords(500)].map((item) => structuredClone(item)),
    );
    const fifth = actual[5] as { size: number; ratio: number; missing: undefined };
    t.true(Object.is(fifth.size, -0));
    t.true(Number.isNaN((actual[7] as { ratio: number }).ratio));
    t.true('missing' in fifth);
  });
}

test('records of differing shapes and odd kinds arrive as structured clone gives them', async (t) => {
  const actual = await new WorkerReadable(VALUES, { export: 'oddRecords', highWaterMark: 100 }).toArray();
  const expected = values.makeOddRecords().map((item) => structuredClone(item));
  assertSameAsClone(t, actual, expected);
  t.is(Object.getOwnPropertyDescriptor(actual[7], '__proto__')?.value, 1, 'an own __proto__ key stays an own property');
  t.is((actual[4] as { b: string }).b, 'computed');
});

test('a stream switching between record shapes keeps every item intact', async (t) => {
  const source = `export function* shapes(n) {
    for (let i = 0; i < n; i++) yield i % 50 < 25 ? { a: i, b: String(i) } : { x: i, y: [i] };
  }`;
  const url = `data:text/javascript,${encodeURIComponent(source)}`;
  const actual = await new WorkerReadable(url, { export: 'shapes', args: [2000], highWaterMark: 64 }).toArray();
  const expected = Array.from({ length: 2000 }, (_, i) => (i % 50 < 25 ? { a: i, b: String(i) } : { x: i, y: [i] }));
  t.deepEqual(actual, expected);
});

test('homogeneous batches of each odd kind arrive as structured clone gives them', async (t) => {
  const source = `export function* repeat(kind, n) {
    const make = {
      nullPrototype: (i) => Object.assign(Object.create(null), { a: i, b: 'two' }),
      getter: (i) => ({ a: i, get b() { return 'computed' + i; } }),
      symbol: (i) => ({ a: i, [Symbol('hidden')]: 2 }),
      hidden: (i) => Object.defineProperty({ a: i }, 'hidden', { value: 2, enumerable: false }),
      integerKeys: (i) => ({ 2: 'two', 1: i, x: 'x' }),
      protoKey: (i) => JSON.parse('{"__proto__": ' + i + ', "a": 2}'),
    }[kind];
    for (let i = 0; i < n; i++) yield make(i);
  }`;
  const url = `data:text/javascript,${encodeURIComponent(source)}`;
  const module = (await import(url)) as { repeat: (kind: string, n: number) => Iterable<unknown> };
  for (const kind of ['nullPrototype', 'getter', 'symbol', 'hidden', 'integerKeys', 'protoKey']) {
    const actual = await new WorkerReadable(url, { export: 'repeat', args: [kind, 200], highWaterMark: 64 }).toArray();
    assertSameAsClone(
      t,
      actual,
      [...module.repeat(kind, 200)].map((item) => structuredClone(item)),
    );
  }
});

test('encodeRecords takes only what it can rebuild exactly', async (t) => {
  const { encodeRecords, builderFor } = await import('../lib/records.js');
  const roundTrip = (items: unknown[]) => {
    const records = encodeRecords(items);
    if (records === null) return null;
    const build = builderFor(records.keys);
    const out: unknown[] = [];
    for (let at = 0; at < records.values.length; at += records.keys.length) out.push(build(records.values, at));
    return out;
  };
  t.deepEqual(
    roundTrip([
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
    ]),
    [
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
    ],
  );
  t.not(encodeRecords([Object.assign(Object.create(null), { a: 1 })]), null, 'null prototype is a plain record');
  t.is(encodeRecords([{ a: 1 }, { b: 1 }]), null, 'different keys');
  t.is(
    encodeRecords([
      { a: 1, b: 2 },
      { b: 2, a: 1 },
    ]),
    null,
    'same keys, other order',
  );
  t.is(encodeRecords([{ a: 1 }, { a: 1, b: 2 }]), null, 'an extra key');
  t.is(encodeRecords([{ a: { nested: 1 } }]), null, 'a nested object');
  t.is(encodeRecords([{ a: () => {} }]), null, 'a function value');
  t.is(encodeRecords([{ a: Symbol('s') }]), null, 'a symbol value');
  t.is(encodeRecords([JSON.parse('{"__proto__": 1}')]), null, 'an own __proto__ key');
  t.is(encodeRecords([new (class Point {})()]), null, 'a class instance');
  t.is(encodeRecords([[1, 2]]), null, 'an array');
  t.is(encodeRecords([{}]), null, 'no keys');
  t.is(encodeRecords([1, 2]), null, 'primitives');
  const throwing = {
    get a(): number {
      throw new Error('getter');
    },
  };
  t.is(encodeRecords([throwing]), null, 'a throwing getter is left to structured clone');
});

test('a batch of records serialises as a dense array, not a sparse one', async (t) => {
  const { encodeRecords } = await import('../lib/records.js');
  const { serialize } = await import('node:v8');
  const items = Array.from({ length: 300 }, (_, i) => ({ path: `/tmp/${i}`, type: 'file', depth: i % 8 }));
  const records = encodeRecords(items);
  if (records === null) return t.fail('flat records were not encoded');
  // V8's wire format: 0xFF, the version, then the value's tag. A holey array (`new Array(n)` filled in
  // place) goes as 'a' (sparse, key by key): about three times the cost of 'A' (dense) on both threads.
  const bytes = serialize(records.values);
  t.is(bytes[0], 0xff);
  t.is(String.fromCharCode(bytes[2] as number), 'A');
  t.is(records.values.length, 900);
});
