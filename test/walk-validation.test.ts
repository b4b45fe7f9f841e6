/**
 * walk()'s arguments are checked synchronously with the package's codes, before any thread starts; and the
 * item type follows the options (type tests: this file fails to compile when they are wrong).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import {
  type Entry,
  type StatEntry,
  WALK_DEFAULTS,
  type WalkError,
  type WalkItem,
  type WalkStream,
  walk,
} from 'worker-readable/walk';
import { threadCount } from './helpers.js';

// Deliberately wrong at runtime; typed loosely on purpose.
const make = (root: unknown, options?: unknown) => walk(root as string, options as Record<string, never>);

let baseline = 0;
test.before(() => {
  baseline = threadCount();
});

const typeErrors: Array<[string, unknown, unknown, RegExp]> = [
  ['root a number', 42, undefined, /"root".*string.*number/],
  ['root undefined', undefined, undefined, /"root"/],
  ['options a string', '.', 'deep', /"options".*object/],
  ['maxDepth a string', '.', { maxDepth: '2' }, /"maxDepth".*number/],
  ['followSymlinks a string', '.', { followSymlinks: 'yes' }, /"followSymlinks".*boolean/],
  ['sort a number', '.', { sort: 1 }, /"sort".*boolean/],
  ['stat null', '.', { stat: null }, /"stat".*boolean/],
  ['strict a string', '.', { strict: 'true' }, /"strict".*boolean/],
  ['include a number', '.', { include: 5 }, /"include".*glob/],
  ['exclude holding a number', '.', { exclude: ['a', 5] }, /"exclude\[1\]".*string/],
  ['highWaterMark a string (checked by WorkerReadable)', '.', { highWaterMark: '8' }, /"highWaterMark"/],
  ['worker not an object (checked by WorkerReadable)', '.', { worker: 'w' }, /"worker".*object/],
];
for (const [title, root, options, message] of typeErrors) {
  test(`${title}: TypeError ERR_INVALID_ARG_TYPE`, (t) => {
    const error = t.throws(() => make(root, options), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
    t.regex(error?.message ?? '', message);
  });
}

const valueErrors: Array<[string, unknown, unknown, ErrorConstructor]> = [
  ['root empty', '', undefined, TypeError],
  ['root with a NUL', 'a\0b', undefined, TypeError],
  ['root an http URL', new URL('http://example.com/'), undefined, TypeError],
  ['maxDepth negative', '.', { maxDepth: -1 }, RangeError],
  ['maxDepth not an integer', '.', { maxDepth: 1.5 }, RangeError],
  ['maxDepth NaN', '.', { maxDepth: Number.NaN }, RangeError],
  ['an empty include pattern', '.', { include: '' }, TypeError],
  ['an unknown option', '.', { maxdepth: 1 }, TypeError],
  ['export, which walk owns', '.', { export: 'walk' }, TypeError],
  ['highWaterMark negative (checked by WorkerReadable)', '.', { highWaterMark: -1 }, RangeError],
];
for (const [title, root, options, Class] of valueErrors) {
  test(`${title}: ${Class.name} ERR_INVALID_ARG_VALUE`, (t) => {
    t.throws(() => make(root, options), { instanceOf: Class, code: 'ERR_INVALID_ARG_VALUE' });
  });
}

test('an unknown option is named, with the option it resembles', (t) => {
  const error = t.throws(() => make('.', { maxdepth: 1 }), { code: 'ERR_INVALID_ARG_VALUE' });
  t.regex(
    error?.message ?? '',
    /unknown key "maxdepth" \(did you mean "maxDepth"\?\); it may have only .*followSymlinks/,
  );
});

test.serial('no thread is started when the arguments are refused', (t) => {
  t.throws(() => make('.', { maxDepth: -1 }));
  t.throws(() => make('.', { highWaterMark: -1 }));
  t.is(threadCount(), baseline);
});

test('defaults: the walk thread is named, the stream options reach WorkerReadable', (t) => {
  t.is(WALK_DEFAULTS.workerName, 'worker-readable:walk');
  t.is(WALK_DEFAULTS.maxDepth, Number.POSITIVE_INFINITY);
  const stream = walk('.', { highWaterMark: 7 });
  t.is(stream.readableHighWaterMark, 7);
  t.true(stream.readableObjectMode);
  stream.destroy();
});

test('the default queue of a walk is 1024 entries', (t) => {
  t.is(WALK_DEFAULTS.highWaterMark, 1024);
  const stream = walk('.');
  t.is(stream.readableHighWaterMark, 1024);
  stream.destroy();
  const undefinedMeansDefault = walk('.', { highWaterMark: undefined });
  t.is(undefinedMeansDefault.readableHighWaterMark, 1024);
  undefinedMeansDefault.destroy();
});

test('a file: URL root walks the same path', async (t) => {
  const items = await walk(new URL('.', import.meta.url), { maxDepth: 0 }).toArray();
  t.is((items[0] as Entry).type, 'directory');
});

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | undefined {
  return undefined;
}

test('the item type follows stat and strict', (t) => {
  const plain = walk('.', { maxDepth: 0 });
  expectType<Equal<typeof plain, WalkStream<Entry | WalkError>>>();
  plain.destroy();
  expectType<Equal<WalkItem<{ stat: true }>, StatEntry | WalkError>>();
  expectType<Equal<WalkItem<{ strict: true }>, Entry>>();
  expectType<Equal<WalkItem<{ stat: true; strict: true }>, StatEntry>>();
  expectType<Equal<WalkItem<{ stat: boolean }>, Entry | WalkError>>();
  const stream = walk('.', { stat: true, strict: true, maxDepth: 0 });
  expectType<Equal<typeof stream, WalkStream<StatEntry>>>();
  stream.destroy();
  // @ts-expect-error: maxDepth is a number
  t.throws(() => walk('.', { maxDepth: '1' }));
  // @ts-expect-error: no such option
  t.throws(() => walk('.', { depth: 1 }));
  t.pass();
});

test("require('worker-readable/walk') works from a CommonJS consumer", async (t) => {
  const script = fileURLToPath(new URL('./fixtures/scripts/walk-require.cjs', import.meta.url));
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [script], (error, out) => (error ? reject(error) : resolve(out)));
  });
  t.is(stdout, 'cjs ["directory"] true\n');
});
