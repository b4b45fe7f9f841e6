/** Whatever works with Readable.from works the same with WorkerReadable: same values, same order. */
import { finished, Readable, type TransformCallback, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import test from 'ava';
import through2 from 'through2';
import { WorkerReadable } from 'worker-readable';
import * as values from './fixtures/values.js';
import type { Done } from './helpers.js';
import { fixture } from './helpers.js';

const VALUES = fixture('values.js');

type Source = () => Iterable<unknown> | AsyncIterable<unknown>;
const cases: Array<[exportName: string, inThread: Source, args?: unknown[]]> = [
  ['mixed', () => values.mixed()],
  ['asyncMixed', () => values.asyncMixed()],
  ['array', () => values.array],
  ['set', () => values.set],
  ['returnsArray', () => values.returnsArray('x', 0), ['x', 0]],
  ['returnsAsyncIterable', () => values.returnsAsyncIterable(5), [5]],
  ['asyncIterableValue', () => values.asyncIterableValue],
  ['yieldsPromises', () => values.yieldsPromises()],
  ['entries', () => values.entries(300), [300]],
  ['default', () => values.default()],
];

for (const [exportName, inThread, args] of cases) {
  test(`${exportName}: toArray() gives what Readable.from gives`, async (t) => {
    const expected = await Readable.from(inThread()).toArray();
    const actual = await new WorkerReadable(VALUES, { export: exportName, args: args ?? [] }).toArray();
    t.deepEqual(actual, expected);
    t.true(expected.length > 0);
  });
}

type Consumer = (stream: Readable) => Promise<unknown[]>;
const consumers: Array<[string, Consumer]> = [
  [
    'for await',
    async (stream) => {
      const seen: unknown[] = [];
      for await (const item of stream) seen.push(item);
      return seen;
    },
  ],
  [
    "'data' events until stream.finished()",
    (stream) =>
      new Promise((resolve, reject) => {
        const seen: unknown[] = [];
        stream.on('data', (item) => seen.push(item));
        finished(stream, (error) => (error ? reject(error) : resolve(seen)));
      }),
  ],
  [
    'pipeline through a through2 transform',
    async (stream) => {
      const seen: unknown[] = [];
      // Wrapped: through2 drops a callback value of undefined, as any Transform does.
      const wrap = through2.obj((item: unknown, _: unknown, callback: TransformCallback) => callback(null, { item }));
      const sink = new Writable({
        objectMode: true,
        write(chunk: { item: unknown }, _, callback) {
          seen.push(chunk.item);
          callback();
        },
      });
      await pipeline(stream, wrap, sink);
      return seen;
    },
  ],
];

for (const [how, consume] of consumers) {
  test(`mixed values (falsy ones, Map, Date, BigInt, typed arrays) through ${how}: as Readable.from`, async (t) => {
    const expected = await consume(Readable.from(values.mixed()));
    const actual = await consume(new WorkerReadable(VALUES, { export: 'mixed' }));
    t.is(expected.length, values.makeValues().length, 'the consumer itself drops nothing');
    t.deepEqual(actual, expected);
  });
}

test('falsy items are never dropped and arrive in order', async (t) => {
  const items = await new WorkerReadable(VALUES, { export: 'mixed' }).toArray();
  t.is(items.length, values.makeValues().length);
  t.deepEqual(items.slice(0, 6), [0, '', false, undefined, -0, Number.NaN]);
  t.true(Object.is(items[4], -0));
});

test('structured values keep their types: Map, Set, Date, BigInt, typed arrays, RegExp', async (t) => {
  const items = await new WorkerReadable(VALUES, { export: 'mixed' }).toArray();
  t.is(typeof items[7], 'bigint');
  t.true(items[8] instanceof Date);
  t.true(items[9] instanceof Map);
  t.true(items[10] instanceof Set);
  t.true(items[11] instanceof Uint8Array);
  t.true(items[12] instanceof Float64Array);
  t.true(items[13] instanceof RegExp);
});

test('a Buffer arrives as a Uint8Array with the same bytes (structured clone)', async (t) => {
  const items = await new WorkerReadable<Uint8Array>(VALUES, { export: 'buffers' }).toArray();
  t.deepEqual(
    items.map((item) => [...item]),
    [...values.buffers()].map((buffer) => [...buffer]),
  );
  for (const item of items) {
    t.is(Object.getPrototypeOf(item), Uint8Array.prototype);
    t.false(Buffer.isBuffer(item));
  }
});

test('an Invalid Date arrives as an Invalid Date', async (t) => {
  const items = await new WorkerReadable(VALUES, { export: 'mixed' }).toArray();
  const last = items.at(-1);
  t.true(last instanceof Date);
  t.true(Number.isNaN((last as Date).getTime()));
});

test('an async function returning an iterable is awaited', async (t) => {
  const items = await new WorkerReadable(VALUES, { export: 'returnsLater', args: [4] }).toArray();
  t.deepEqual(items, await Readable.from(await values.returnsLater(4)).toArray());
});

test('a string export is one item, as with Readable.from', async (t) => {
  const expected = await Readable.from(values.text).toArray();
  t.deepEqual(await new WorkerReadable(VALUES, { export: 'text' }).toArray(), expected);
  t.is(expected.length, 1);
});

test('class instances and null-prototype objects arrive as plain objects', async (t) => {
  const [point, bare] = await new WorkerReadable(VALUES, { export: 'instances' }).toArray();
  t.deepEqual(point, { x: 1, y: 2 });
  t.is(Object.getPrototypeOf(point), Object.prototype);
  t.deepEqual({ ...(bare as object) }, { k: 1 });
});

test('for await reads every item in order', async (t) => {
  const seen: unknown[] = [];
  for await (const item of new WorkerReadable(VALUES, { export: 'sequence', args: [1000] })) seen.push(item);
  t.deepEqual(seen, [...values.sequence(1000)]);
});

test('operators map, filter, take and reduce work as on Readable.from', async (t) => {
  const run = (stream: Readable) =>
    stream
      .filter((n: number) => n % 3 === 0)
      .map((n: number) => n * 2)
      .take(50)
      .toArray();
  t.deepEqual(
    await run(new WorkerReadable(VALUES, { export: 'sequence', args: [10_000] })),
    await run(Readable.from(values.sequence(10_000))),
  );
  const sum = await new WorkerReadable(VALUES, { export: 'sequence', args: [100] }).reduce(
    (total: number, n: number) => total + n,
    0,
  );
  t.is(sum, 4950);
});

test('every highWaterMark delivers the same sequence', async (t) => {
  for (const highWaterMark of [0, 1, 2, 7, 64, 1000]) {
    const items = await new WorkerReadable(VALUES, { export: 'sequence', args: [3000], highWaterMark }).toArray();
    t.deepEqual(items, [...values.sequence(3000)], `highWaterMark ${highWaterMark}`);
  }
});

test('pipeline through through2 object transforms into a Writable', async (t) => {
  const lines: string[] = [];
  await pipeline(
    new WorkerReadable(VALUES, { export: 'entries', args: [500] }),
    through2.obj((entry: values.Entry, _encoding: BufferEncoding, callback: Done) => {
      if (entry.type === 'directory') callback();
      else callback(null, `${entry.depth} ${entry.path}`);
    }),
    through2.obj((line: string, _encoding: BufferEncoding, callback: Done) => callback(null, line.toUpperCase())),
    new Writable({
      objectMode: true,
      write(line: string, _encoding: BufferEncoding, callback: Done) {
        lines.push(line);
        callback();
      },
    }),
  );
  const expected = [...values.entries(500)]
    .filter((entry) => entry.type !== 'directory')
    .map((entry) => `${entry.depth} ${entry.path}`.toUpperCase());
  t.deepEqual(lines, expected);
});

test('pipe() into a slow Writable delivers everything', async (t) => {
  const received: number[] = [];
  const sink = new Writable({
    objectMode: true,
    highWaterMark: 2,
    write(item: number, _encoding: BufferEncoding, callback: Done) {
      received.push(item);
      setImmediate(callback);
    },
  });
  const done = new Promise((resolve) => sink.on('finish', resolve));
  new WorkerReadable(VALUES, { export: 'sequence', args: [2000], highWaterMark: 8 }).pipe(sink);
  await done;
  t.deepEqual(received, [...values.sequence(2000)]);
});

test('paused mode: read() and the readable event', async (t) => {
  const stream = new WorkerReadable<number>(VALUES, { export: 'sequence', args: [500], highWaterMark: 16 });
  const seen: number[] = [];
  stream.on('readable', () => {
    let item: number | null = stream.read();
    while (item !== null) {
      seen.push(item);
      item = stream.read();
    }
  });
  await new Promise((resolve) => stream.on('end', resolve));
  t.deepEqual(seen, [...values.sequence(500)]);
});

test('compose() with a through2 transform', async (t) => {
  // stream.compose exists on Node 20 but is missing from @types/node 20.
  const { compose } = (await import('node:stream')) as unknown as { compose: (...streams: unknown[]) => Readable };
  const doubled = compose(
    new WorkerReadable(VALUES, { export: 'sequence', args: [100] }),
    through2.obj((n: number, _encoding: BufferEncoding, callback: Done) => callback(null, n * 2)),
  );
  t.deepEqual(
    await doubled.toArray(),
    [...values.sequence(100)].map((n) => n * 2),
  );
});

test('a CommonJS worker module: named exports from module.exports', async (t) => {
  const module = fixture('commonjs.cjs');
  t.deepEqual(await new WorkerReadable(module, { export: 'letters', args: ['abc'] }).toArray(), ['a', 'b', 'c']);
  t.deepEqual(await new WorkerReadable(module, { export: 'numbers' }).toArray(), [1, 2, 3]);
});

test('a data: URL holding an ES module is local code and runs', async (t) => {
  const source = 'export function* twice(x) { yield x; yield x; }';
  const url = `data:text/javascript,${encodeURIComponent(source)}`;
  t.deepEqual(await new WorkerReadable(url, { export: 'twice', args: ['hi'] }).toArray(), ['hi', 'hi']);
});

test('a path relative to the working directory, and an absolute path', async (t) => {
  const { fileURLToPath } = await import('node:url');
  const { relative } = await import('node:path');
  const absolute = fileURLToPath(VALUES);
  t.deepEqual(await new WorkerReadable(absolute, { export: 'sequence', args: [3] }).toArray(), [0, 1, 2]);
  const relativePath = relative(process.cwd(), absolute);
  t.deepEqual(await new WorkerReadable(relativePath, { export: 'sequence', args: [2] }).toArray(), [0, 1]);
});

test('a SharedArrayBuffer in args is shared with the worker, not copied', async (t) => {
  const shared = new SharedArrayBuffer(4);
  const source = 'export function* write(buffer) { new Int32Array(buffer)[0] = 7; yield 1; }';
  const url = `data:text/javascript,${encodeURIComponent(source)}`;
  await new WorkerReadable(url, { export: 'write', args: [shared] }).toArray();
  t.is(new Int32Array(shared)[0], 7);
});

test('next() is called without an argument, as Readable.from calls it', async (t) => {
  // An iterator that records the largest number of arguments any next() call received, for each kind.
  const source = `export function counting(shared, isAsync) {
    const seen = new Int32Array(shared);
    let n = 0;
    const next = (...args) => {
      Atomics.store(seen, 0, Math.max(Atomics.load(seen, 0), args.length));
      const result = n < 5 ? { value: ++n, done: false } : { value: undefined, done: true };
      return isAsync ? Promise.resolve(result) : result;
    };
    return isAsync ? { [Symbol.asyncIterator]: () => ({ next }) } : { [Symbol.iterator]: () => ({ next }) };
  }`;
  const url = `data:text/javascript,${encodeURIComponent(source)}`;
  for (const isAsync of [false, true]) {
    const shared = new SharedArrayBuffer(4);
    const items = await new WorkerReadable(url, { export: 'counting', args: [shared, isAsync] }).toArray();
    t.deepEqual(items, [1, 2, 3, 4, 5]);
    t.is(new Int32Array(shared)[0], 0, `${isAsync ? 'async' : 'sync'}: the most arguments a next() received`);
    const inThread: number[] = [];
    const reference = new Int32Array(new SharedArrayBuffer(4));
    const module = (await import(url)) as {
      counting: (shared: SharedArrayBuffer, isAsync: boolean) => Iterable<number>;
    };
    for await (const item of Readable.from(module.counting(reference.buffer as SharedArrayBuffer, isAsync)))
      inThread.push(item);
    t.deepEqual(inThread, items);
    t.is(reference[0], 0, 'Readable.from passes none either');
  }
});
