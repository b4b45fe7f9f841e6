/**
 * Errors: the iterator's own exceptions arrive intact after every item before them; failures of the
 * machinery carry the SPEC's codes. Each case also ends closed with no thread left. Serial: thread counts.
 */
import test, { type ExecutionContext } from 'ava';
import { WorkerReadable } from 'worker-readable';
import { assertClosed, drain, fixture, threadCount } from './helpers.js';

const FAILING = fixture('failing.js');
let baseline = 0;
test.before(() => {
  baseline = threadCount();
});

type Failure = Error & Record<string, unknown>;

async function failure(
  t: ExecutionContext,
  module: URL | string,
  exportName: string,
  args: unknown[] = [],
  options: { highWaterMark?: number; worker?: { resourceLimits: { maxOldGenerationSizeMb: number } } } = {},
): Promise<{ items: unknown[]; error: Failure }> {
  const stream = new WorkerReadable(module, { export: exportName, args, ...options });
  const { items, error } = await drain(stream);
  t.truthy(error, 'the stream errored');
  assertClosed(t, stream, baseline);
  t.is(stream.errored, error as Error);
  return { items, error: error as Failure };
}

test.serial(
  'an exception arrives after every item before it, with class, code, errno, syscall, path, cause',
  async (t) => {
    const { items, error } = await failure(t, FAILING, 'throwsAfter', [500]);
    t.is(items.length, 500, 'every item yielded before the error was delivered');
    t.deepEqual(items.slice(0, 3), [0, 1, 2]);
    t.true(error instanceof RangeError);
    t.is(error.name, 'RangeError');
    t.is(error.message, 'out of range');
    t.is(error.code, 'E_RANGE');
    t.is(error.errno, -34);
    t.is(error.syscall, 'compute');
    t.is(error.path, '/some/path');
    t.deepEqual(error.info, { list: [1, 2], when: new Date(0) });
    const middle = error.cause as Failure;
    t.true(middle instanceof TypeError);
    t.is(middle.message, 'middle');
    const root = middle.cause as Failure;
    t.is(root.code, 'E_ROOT');
    t.deepEqual(root.detail, { level: 2 });
    t.regex(error.stack ?? '', /at throwsAfter \(.*failing\.[jt]s/, "the stack shows the worker's frames");
  },
);

test.serial('errors are delivered after the items at every highWaterMark', async (t) => {
  for (const highWaterMark of [0, 1, 16, 1000]) {
    const { items, error } = await failure(t, FAILING, 'throwsAfter', [100], { highWaterMark });
    t.is(items.length, 100);
    t.is(error.code, 'E_RANGE');
  }
});

test.serial("a real fs error keeps code, errno, syscall and path: err.code === 'ENOENT' works", async (t) => {
  const { items, error } = await failure(t, FAILING, 'fsError');
  t.deepEqual(items, ['before']);
  t.is(error.code, 'ENOENT');
  t.is(error.syscall, 'scandir');
  t.is(error.path, '/this/path/does/not/exist');
  t.is(typeof error.errno, 'number');
  t.true(error instanceof Error);
});

test.serial('AggregateError keeps its errors, each with its own class and code', async (t) => {
  const { error } = await failure(t, FAILING, 'aggregate');
  t.true(error instanceof AggregateError);
  const inner = (error as unknown as AggregateError).errors;
  t.is(inner.length, 3);
  t.is(inner[0].code, 'E_FIRST');
  t.true(inner[1] instanceof TypeError);
  t.is(inner[2], 'not an error');
});

test.serial('a subclass keeps its name and own properties', async (t) => {
  const { error } = await failure(t, FAILING, 'customClass');
  t.is(error.name, 'DatabaseError');
  t.is(error.code, 'E_DB');
  t.is(error.query, 'SELECT 1');
  t.is(error.message, 'connection lost');
  const { error: prototypeNamed } = await failure(t, FAILING, 'prototypeName');
  t.is(prototypeNamed.name, 'PrototypeNamed');
});

test.serial('properties that cannot be cloned are left out; the rest are kept', async (t) => {
  const { error } = await failure(t, FAILING, 'uncloneableProperty');
  t.is(error.code, 'E_FN');
  t.is(error.kept, 'yes');
  t.false('callback' in error);
});

test.serial('a cyclic cause survives', async (t) => {
  const { error } = await failure(t, FAILING, 'cyclicCause');
  t.is(error.cause, error);
});

test.serial('thrown non-errors arrive as themselves, cloned', async (t) => {
  t.is((await failure(t, FAILING, 'throwsValue', ['number'])).error as unknown, 42);
  t.is((await failure(t, FAILING, 'throwsValue', ['string'])).error as unknown, 'a string');
  t.deepEqual((await failure(t, FAILING, 'throwsValue', ['object'])).error as unknown, {
    reason: 'frozen',
    nested: { ok: true },
  });
});

test.serial('a thrown undefined or null becomes ERR_WORKER_THREW_NULLISH', async (t) => {
  for (const kind of ['undefined', 'null']) {
    const { items, error } = await failure(t, FAILING, 'throwsValue', [kind]);
    t.deepEqual(items, [1]);
    t.is(error.code, 'ERR_WORKER_THREW_NULLISH');
    t.is(error.thrown, kind);
  }
});

test.serial('a thrown value that cannot be cloned becomes ERR_WORKER_THREW_NOT_CLONEABLE', async (t) => {
  const { error } = await failure(t, FAILING, 'throwsValue', ['function']);
  t.is(error.code, 'ERR_WORKER_THREW_NOT_CLONEABLE');
  t.regex(String(error.thrown), /named/);
});

test.serial('a missing module: ERR_WORKER_MODULE_LOAD with the original error as cause', async (t) => {
  const { error } = await failure(t, fixture('does-not-exist.js'), 'default');
  t.is(error.code, 'ERR_WORKER_MODULE_LOAD');
  t.is((error.cause as Failure).code, 'ERR_MODULE_NOT_FOUND');
});

test.serial('a module with a syntax error: ERR_WORKER_MODULE_LOAD, cause a SyntaxError', async (t) => {
  const { error } = await failure(t, 'data:text/javascript,export const = ;', 'default');
  t.is(error.code, 'ERR_WORKER_MODULE_LOAD');
  t.true(error.cause instanceof SyntaxError);
});

test.serial('a module that throws at import: ERR_WORKER_MODULE_LOAD, cause the thrown error', async (t) => {
  const { error } = await failure(t, fixture('throws-at-import.js'), 'never');
  t.is(error.code, 'ERR_WORKER_MODULE_LOAD');
  t.is((error.cause as Failure).code, 'E_INIT');
});

test.serial('no such export: ERR_WORKER_EXPORT_NOT_FOUND listing the exports', async (t) => {
  const { error } = await failure(t, FAILING, 'nope');
  t.is(error.code, 'ERR_WORKER_EXPORT_NOT_FOUND');
  t.true((error.exports as string[]).includes('throwsAfter'));
  t.regex(error.message, /throwsAfter/);
});

test.serial('an export that is not iterable: ERR_WORKER_NOT_ITERABLE', async (t) => {
  t.is((await failure(t, FAILING, 'notIterable')).error.code, 'ERR_WORKER_NOT_ITERABLE');
  t.is((await failure(t, FAILING, 'returnsNumber')).error.code, 'ERR_WORKER_NOT_ITERABLE');
});

test.serial('an export that throws when called: the error itself', async (t) => {
  t.is((await failure(t, FAILING, 'throwsWhenCalled')).error.code, 'E_ARGS');
});

test.serial(
  'an item that cannot be cloned: ERR_WORKER_ITEM_NOT_CLONEABLE at its index, items before delivered',
  async (t) => {
    for (const position of [0, 5, 300]) {
      const { items, error } = await failure(t, FAILING, 'yieldsUncloneable', [position]);
      t.is(items.length, position);
      t.is(error.code, 'ERR_WORKER_ITEM_NOT_CLONEABLE');
      t.is(error.index, position);
    }
  },
);

test.serial('a yielded null: ERR_STREAM_NULL_VALUES after the items before it; undefined is an item', async (t) => {
  const { items, error } = await failure(t, FAILING, 'yieldsNull');
  t.deepEqual(items, ['first', undefined]);
  t.is(error.code, 'ERR_STREAM_NULL_VALUES');
  t.true(error instanceof TypeError);
});

test.serial('process.exit() in the worker: ERR_WORKER_EXITED with the exit code, items delivered', async (t) => {
  const { items, error } = await failure(t, FAILING, 'exits', [3, 10]);
  t.is(items.length, 10);
  t.is(error.code, 'ERR_WORKER_EXITED');
  t.is(error.exitCode, 3);
});

test.serial('an async iterator whose thread runs dry: ERR_WORKER_EXITED, not a hang', async (t) => {
  const { items, error } = await failure(t, fixture('counted.js'), 'runsDry');
  t.deepEqual(items, [1]);
  t.is(error.code, 'ERR_WORKER_EXITED');
  t.is(error.exitCode, 0);
});

test.serial("an uncaught error of the worker thread is the stream's error", async (t) => {
  const { items, error } = await failure(t, FAILING, 'uncaughtInWorker');
  t.deepEqual(items, [1]);
  t.is(error.code, 'E_UNCAUGHT');
});

test.serial("running out of memory: Node's ERR_WORKER_OUT_OF_MEMORY", async (t) => {
  const { error } = await failure(t, FAILING, 'exhaustsMemory', [], {
    worker: { resourceLimits: { maxOldGenerationSizeMb: 16 } },
  });
  t.is(error.code, 'ERR_WORKER_OUT_OF_MEMORY');
});

test.after.always('no thread left by this file', (t) => {
  t.is(threadCount(), baseline);
});
