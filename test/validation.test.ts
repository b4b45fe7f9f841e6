/** Bad arguments are synchronous errors with stable codes, naming the option and the value received. */
import { MessageChannel } from 'node:worker_threads';
import test from 'ava';
import { WorkerReadable } from 'worker-readable';
import { fixture, threadCount } from './helpers.js';

const VALUES = fixture('values.js');
// Options deliberately wrong at runtime; typed loosely on purpose.
const make = (module: unknown, options?: unknown) =>
  new WorkerReadable(module as string, options as Record<string, never>);

let baseline = 0;
test.before(() => {
  baseline = threadCount();
});

const typeErrors: Array<[string, unknown, RegExp]> = [
  ['highWaterMark as a string', { highWaterMark: '5' }, /"highWaterMark".*number.*string/],
  ['export as a number', { export: 5 }, /"export".*string.*number/],
  ['args not an array', { args: 'x' }, /"args".*array/],
  ['options null', null, /"options".*object.*null/],
  ['options an array', [], /"options".*object/],
  ['signal not an AbortSignal', { signal: {} }, /"signal".*AbortSignal/],
  ['stopTimeout as a string', { stopTimeout: '10' }, /"stopTimeout".*number/],
  ['worker not an object', { worker: 'w' }, /"worker".*object/],
  ['worker.name not a string', { worker: { name: 3 } }, /"worker.name".*string/],
];
for (const [title, options, message] of typeErrors) {
  test(`${title}: TypeError ERR_INVALID_ARG_TYPE`, (t) => {
    const error = t.throws(() => make(VALUES, options), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
    t.regex(error?.message ?? '', message);
  });
}

const valueErrors: Array<[string, unknown, ErrorConstructor, RegExp]> = [
  ['highWaterMark negative', { highWaterMark: -1 }, RangeError, /"highWaterMark".*integer.*Received.*\(-1\)/],
  ['highWaterMark not an integer', { highWaterMark: 1.5 }, RangeError, /"highWaterMark".*integer.*\(1\.5\)/],
  ['highWaterMark NaN', { highWaterMark: Number.NaN }, RangeError, /"highWaterMark".*\(NaN\)/],
  ['highWaterMark too large', { highWaterMark: 2 ** 31 }, RangeError, /"highWaterMark".*\(2147483648\)/],
  ['stopTimeout negative', { stopTimeout: -1 }, RangeError, /"stopTimeout".*>= 0.*\(-1\)/],
  [
    'an unknown option',
    { highwatermark: 4 },
    TypeError,
    /"options".*"highwatermark" \(did you mean "highWaterMark"\?\)/,
  ],
  [
    'an unknown worker option',
    { worker: { eval: true } },
    TypeError,
    /"worker".*unknown key "eval"; it may have only name,/,
  ],
];
for (const [title, options, Class, message] of valueErrors) {
  test(`${title}: ${Class.name} ERR_INVALID_ARG_VALUE`, (t) => {
    const error = t.throws(() => make(VALUES, options), { instanceOf: Class, code: 'ERR_INVALID_ARG_VALUE' });
    t.regex(error?.message ?? '', message);
  });
}

test('module of the wrong type: ERR_INVALID_ARG_TYPE', (t) => {
  for (const module of [42, null, undefined, {}]) {
    t.throws(() => make(module), { code: 'ERR_INVALID_ARG_TYPE' });
  }
});

test('network URLs are refused: only local code runs', (t) => {
  for (const module of ['http://example.com/a.js', 'https://example.com/a.js', new URL('https://example.com/')]) {
    const error = t.throws(() => make(module), { code: 'ERR_INVALID_ARG_VALUE' });
    t.regex(error?.message ?? '', /"module".*file: or data:.*Received.*"https?:\/\/example\.com\//);
  }
  t.throws(() => make('node:fs'), { code: 'ERR_INVALID_ARG_VALUE' });
  t.throws(() => make(''), { code: 'ERR_INVALID_ARG_VALUE' });
});

test('args holding a function, a symbol or a MessagePort: ERR_WORKER_ARGS_NOT_CLONEABLE with the index', (t) => {
  const { port1 } = new MessageChannel();
  const cases: Array<[unknown[], number]> = [
    [[() => {}], 0],
    [[1, Symbol('s')], 1],
    [[1, 2, { nested: () => {} }], 2],
    [['ok', port1], 1],
  ];
  for (const [args, index] of cases) {
    const error = t.throws(() => make(VALUES, { args }), { code: 'ERR_WORKER_ARGS_NOT_CLONEABLE' });
    t.is((error as Error & { index?: number }).index, index);
  }
  port1.close();
});

test('no thread is started by a constructor that throws', (t) => {
  t.throws(() => make(VALUES, { highWaterMark: -1 }));
  t.throws(() => make(VALUES, { args: [() => {}] }));
  t.is(threadCount(), baseline);
});

test('defaults: highWaterMark 64, object mode', (t) => {
  const stream = make(VALUES, { export: 'sequence', args: [1] });
  t.is(stream.readableHighWaterMark, 64);
  t.true(stream.readableObjectMode);
  stream.destroy();
});
