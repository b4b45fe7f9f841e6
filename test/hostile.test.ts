/**
 * Hostile constructor inputs: every wrong type for every option, uncloneable and transfer-only `args`, a
 * SharedArrayBuffer in `args` (legitimate), modules that are directories, missing, network URLs or data:
 * URLs, export names that are not exports, random option objects. Each is a clear synchronous error or an
 * 'error' event with a stable code, or a working stream; none crashes the process or leaves a thread or a
 * listener. Serial: the thread count is global.
 */
import { execFile } from 'node:child_process';
import { getEventListeners, once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { WorkerReadable } from 'worker-readable';
import { closed, fixture, threadCount, waitForCell } from './helpers.js';
import { checkProperty } from './reliability-checks.js';
import { describeError, runsFor, settledThreadCount } from './reliability-helpers.js';

const VALUES = fixture('values.js');
let baseline = 0;
test.before(() => {
  baseline = threadCount();
});

/** Deliberately untyped: these tests feed the constructor what its types forbid. */
const make = (module: unknown, options?: unknown) =>
  new WorkerReadable(module as string, options as Record<string, never>);

type Coded = Error & { code?: unknown; index?: unknown; cause?: unknown };

/** What a construction led to: a synchronous error, or the stream's items and error once it closed. */
type Result = { thrown: Coded } | { items: unknown[]; error: Coded | undefined };

async function attempt(module: unknown, options?: unknown, limit = Number.POSITIVE_INFINITY): Promise<Result> {
  let stream: WorkerReadable;
  try {
    stream = make(module, options);
  } catch (error) {
    return { thrown: error as Coded };
  }
  const items: unknown[] = [];
  let error: Coded | undefined;
  try {
    for await (const item of stream) if (items.push(item) >= limit) break;
  } catch (caught) {
    error = caught as Coded;
  }
  await closed(stream);
  return { items, error };
}

/** A value of every type, each tried against every option whose type it is not. */
const TYPES: Record<string, unknown> = {
  number: 5,
  negative: -1,
  fraction: 1.5,
  nan: Number.NaN,
  infinity: Number.POSITIVE_INFINITY,
  string: 'text',
  empty: '',
  boolean: true,
  bigint: 5n,
  symbol: Symbol('hostile'),
  function: () => {},
  object: { any: 'thing' },
  array: [1, 2],
  date: new Date(0),
  map: new Map(),
  abortSignal: new AbortController().signal,
  url: new URL('file:///'),
};

/** Which kinds each option accepts (everything else must be refused). */
const ACCEPTS: Record<string, (name: string) => boolean> = {
  export: (name) => name === 'string' || name === 'empty',
  args: (name) => name === 'array',
  highWaterMark: (name) => name === 'number',
  signal: (name) => name === 'abortSignal',
  stopTimeout: (name) => ['number', 'fraction', 'infinity'].includes(name),
  // Any non-array object without unknown keys passes as `worker` (a Date, a Map, a URL: harmless, no keys).
  worker: (name) => ['map', 'date', 'url', 'abortSignal'].includes(name),
};

for (const [option, accepts] of Object.entries(ACCEPTS)) {
  test.serial(
    `every wrong type for "${option}" is a synchronous coded error naming it, and starts no thread`,
    async (t) => {
      let refused = 0;
      for (const [name, value] of Object.entries(TYPES)) {
        if (accepts(name)) continue;
        const error = t.throws(() => make(VALUES, { export: 'sequence', args: [1], [option]: value }), {
          any: true,
        }) as Coded | undefined;
        t.true(
          error?.code === 'ERR_INVALID_ARG_TYPE' || error?.code === 'ERR_INVALID_ARG_VALUE',
          `${option}: ${name} gave ${describeError(error)}`,
        );
        t.true(
          error instanceof TypeError || error instanceof RangeError,
          `${option}: ${name} is a TypeError or RangeError`,
        );
        t.true(error?.message.includes(`"${option}"`) ?? false, `${option}: ${name}: the message names the option`);
        refused++;
      }
      t.true(refused > 5);
      t.is(await settledThreadCount(baseline), baseline);
    },
  );
}

test.serial('wrong types for the worker’s own options: a coded error, or ignored by Node; never a crash', async (t) => {
  // Passed to new Worker(): Node validates some, ignores others of the wrong type.
  const cases: Record<string, unknown[]> = {
    name: [5, Symbol('n'), {}],
    env: [42, 'env', true],
    execArgv: ['--x', 5, { length: 1 }, ['--no-such-flag']],
    argv: [5, true],
    resourceLimits: ['lots', 5, [1], { maxOldGenerationSizeMb: 'x' }, { maxYoungGenerationSizeMb: Number.NaN }],
    stdout: ['yes', 1],
    stderr: ['yes', 1],
    trackUnmanagedFds: ['x', 1],
  };
  for (const [key, values] of Object.entries(cases)) {
    for (const value of values) {
      const result = await attempt(VALUES, { export: 'sequence', args: [2], worker: { [key]: value } });
      const label = `worker.${key} = ${describeError(value)}`;
      if ('thrown' in result) {
        t.is(typeof result.thrown.code, 'string', `${label}: ${describeError(result.thrown)}`);
      } else if (result.error !== undefined) {
        t.is(typeof result.error.code, 'string', `${label}: ${describeError(result.error)}`);
      } else {
        t.deepEqual(result.items, [0, 1], label);
      }
      t.is(await settledThreadCount(baseline), baseline, label);
    }
  }
});

test.serial('worker options holding a symbol: a synchronous coded error', async (t) => {
  for (const worker of [{ env: { KEY: Symbol('s') } }, { execArgv: [Symbol('s')] }]) {
    const error = t.throws(() => make(VALUES, { worker }), { any: true }) as Coded | undefined;
    t.is(typeof error?.code, 'string', `${JSON.stringify(Object.keys(worker))}: ${describeError(error)}`);
  }
  t.is(await settledThreadCount(baseline), baseline);
});

test.serial('a constructor that throws leaves no listener on the signal', async (t) => {
  const controller = new AbortController();
  for (const worker of [{ env: 42 }, { execArgv: ['--no-such-flag'] }, { argv: 5 }]) {
    t.throws(() => make(VALUES, { signal: controller.signal, worker }), { any: true });
  }
  t.is(getEventListeners(controller.signal, 'abort').length, 0, 'listeners left on the signal');
  t.is(await settledThreadCount(baseline), baseline);
});

test.serial('options validated by the package leave no listener on the signal when they throw', async (t) => {
  const controller = new AbortController();
  t.throws(() => make(VALUES, { signal: controller.signal, highWaterMark: -1 }), { code: 'ERR_INVALID_ARG_VALUE' });
  t.throws(() => make(VALUES, { signal: controller.signal, args: [() => {}] }), {
    code: 'ERR_WORKER_ARGS_NOT_CLONEABLE',
  });
  t.is(getEventListeners(controller.signal, 'abort').length, 0);
});

const limitsScript = fileURLToPath(new URL('./fixtures/scripts/hostile-limits.js', import.meta.url));

function runLimits(limits: Record<string, number>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [limitsScript, JSON.stringify(limits)], (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

test.serial(
  'resourceLimits Node can handle: a coded error or a working stream, in a process that survives',
  async (t) => {
    for (const limits of [
      { maxOldGenerationSizeMb: -1 },
      { maxYoungGenerationSizeMb: -5 },
      { stackSizeMb: -1 },
      { stackSizeMb: 1e6 },
      { stackSizeMb: 4 },
      { maxOldGenerationSizeMb: Number.MAX_SAFE_INTEGER },
    ]) {
      const { code, stdout, stderr } = await runLimits(limits);
      t.is(code, 0, `${JSON.stringify(limits)}: ${stderr}`);
      const result = JSON.parse(stdout) as { items?: unknown; error?: unknown; thrown?: unknown };
      const coded = typeof (result.error ?? result.thrown) === 'string';
      t.true(coded || JSON.stringify(result.items) === '[0,1,2]', `${JSON.stringify(limits)}: ${stdout}`);
    }
  },
);

test.serial('resourceLimits that crash Node are refused, not passed on', async (t) => {
  for (const limits of [{ stackSizeMb: 0.1 }, { codeRangeSizeMb: 1e12 }]) {
    const { code, stderr } = await runLimits(limits);
    t.is(
      code,
      0,
      `${JSON.stringify(limits)} took the process down: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
});

test.serial(
  'args holding something uncloneable, at a random position: ERR_WORKER_ARGS_NOT_CLONEABLE at its index',
  async (t) => {
    const kinds = [
      'function',
      'symbol',
      'port',
      'nested function',
      'symbol in a map',
      'proxy',
      'promise',
      'weak map',
      'detached buffer',
    ] as const;
    const bad = (kind: (typeof kinds)[number]): { value: unknown; cleanup?: () => void } => {
      switch (kind) {
        case 'function':
          return { value: () => {} };
        case 'symbol':
          return { value: Symbol('arg') };
        case 'port': {
          const { port1, port2 } = new MessageChannel();
          return {
            value: { wrapped: port1 },
            cleanup: () => {
              port1.close();
              port2.close();
            },
          };
        }
        case 'nested function':
          return { value: { deep: [{ callback() {} }] } };
        case 'symbol in a map':
          return { value: new Map([['key', Symbol('value')]]) };
        case 'proxy':
          return { value: new Proxy({}, {}) };
        case 'promise':
          return { value: Promise.resolve(1) };
        case 'weak map':
          return { value: new WeakMap() };
        case 'detached buffer': {
          const buffer = new ArrayBuffer(8);
          structuredClone(buffer, { transfer: [buffer] });
          return { value: buffer };
        }
      }
    };
    const arbitrary = fc.record({
      before: fc.array(fc.oneof(fc.integer(), fc.string(), fc.constant(undefined), fc.constant(null)), {
        maxLength: 5,
      }),
      after: fc.array(fc.oneof(fc.integer(), fc.string()), { maxLength: 3 }),
      kind: fc.constantFrom(...kinds),
    });
    await checkProperty(t, arbitrary, runsFor(60, 600), async ({ before, after, kind }) => {
      const { value, cleanup } = bad(kind);
      const found: string[] = [];
      try {
        make(VALUES, { args: [...before, value, ...after] });
        found.push('the constructor did not throw');
      } catch (error) {
        const { code, index } = error as Coded;
        if (code !== 'ERR_WORKER_ARGS_NOT_CLONEABLE') found.push(`threw ${describeError(error)}`);
        if (index !== before.length) found.push(`index ${String(index)}; expected ${before.length}`);
      } finally {
        cleanup?.();
      }
      if ((await settledThreadCount(baseline)) !== baseline) found.push('a thread was started');
      return found;
    });
  },
);

test.serial('a SharedArrayBuffer in args is shared, not copied, and keeps working both ways', async (t) => {
  const shared = new SharedArrayBuffer(64);
  const view = new Int32Array(shared);
  Atomics.store(view, 0, 7);
  const stream = new WorkerReadable<number>(fixture('shared.js'), { export: 'echo', args: [shared], highWaterMark: 0 });
  const read = async () => {
    for (;;) {
      const item = stream.read();
      if (item !== null) return item;
      await once(stream, 'readable');
    }
  };
  t.is(await read(), 7, 'the worker reads what the main thread wrote before the start');
  await waitForCell(shared, 1, 1);
  Atomics.store(view, 0, 99);
  let seen = await read();
  // Lock-step: at most the one item already computed before the write can come first.
  if (seen !== 99) seen = await read();
  t.is(seen, 99, 'the worker reads what the main thread wrote while it ran');
  t.true(Atomics.load(view, 1) >= 2, "the main thread sees the worker's writes");
  stream.destroy();
  await closed(stream);
  t.is(await settledThreadCount(baseline), baseline);
});

/** Asserts an attempt ended with ERR_WORKER_MODULE_LOAD and a cause with the given code. */
function assertModuleLoad(t: ExecutionContext, result: Result, causeCode: string, label: string): void {
  if ('thrown' in result) {
    t.fail(`${label}: threw ${describeError(result.thrown)}`);
    return;
  }
  t.is(result.error?.code, 'ERR_WORKER_MODULE_LOAD', label);
  t.is((result.error?.cause as Coded | undefined)?.code, causeCode, label);
  t.deepEqual(result.items, [], label);
}

test.serial('a module that is a directory: ERR_WORKER_MODULE_LOAD, its cause ERR_UNSUPPORTED_DIR_IMPORT', async (t) => {
  const directory = fixture('');
  for (const module of [directory, fileURLToPath(directory), fileURLToPath(directory).replace(/\/$/, ''), '.']) {
    assertModuleLoad(t, await attempt(module), 'ERR_UNSUPPORTED_DIR_IMPORT', String(module));
  }
  t.is(await settledThreadCount(baseline), baseline);
});

test.serial('a module that does not exist: ERR_WORKER_MODULE_LOAD, its cause ERR_MODULE_NOT_FOUND', async (t) => {
  for (const module of [
    fixture('nope.js'),
    fileURLToPath(fixture('nope.js')),
    './no/such/module.js',
    'no-such-module.mjs',
    ' http://example.com/a.js',
  ]) {
    assertModuleLoad(t, await attempt(module), 'ERR_MODULE_NOT_FOUND', String(module));
  }
  t.is(await settledThreadCount(baseline), baseline);
});

test.serial('network and other non-local URLs are refused synchronously: only local code runs', async (t) => {
  for (const module of [
    'http://example.com/a.js',
    'https://example.com/a.js',
    'HTTPS://EXAMPLE.COM/A.JS',
    new URL('http://127.0.0.1:1/a.js'),
    new URL('https://example.com/'),
    'ftp://example.com/a.js',
    'ws://example.com/',
    'blob:nodedata:1234',
    'node:fs',
    'javascript:alert(1)',
    'http:',
  ]) {
    const error = t.throws(() => make(module), { code: 'ERR_INVALID_ARG_VALUE' });
    t.truthy(error, String(module));
  }
  t.is(await settledThreadCount(baseline), baseline);
});

test.serial('a data: URL ES module is local code and works, plain or base64', async (t) => {
  const source = 'export function* letters(word) { yield* word; } export default [0, "", false];';
  const modules = [
    `data:text/javascript,${encodeURIComponent(source)}`,
    `data:text/javascript;base64,${Buffer.from(source).toString('base64')}`,
    new URL(`data:text/javascript,${encodeURIComponent(source)}`),
  ];
  for (const module of modules) {
    t.deepEqual(await make(module, { export: 'letters', args: ['abc'] }).toArray(), ['a', 'b', 'c']);
    t.deepEqual(await make(module).toArray(), [0, '', false]);
  }
  const result = await attempt('data:application/json,{"a":1}');
  t.true('error' in result && result.error?.code === 'ERR_WORKER_MODULE_LOAD', 'a data: URL that is not JavaScript');
  t.is(await settledThreadCount(baseline), baseline);
});

test.serial('a value with an odd constructor.name is described, not a crash of the error factory', async (t) => {
  const odd = { constructor: { name: Symbol('odd') } };
  for (const options of [{ highWaterMark: odd }, { export: odd }, { signal: odd }]) {
    const error = t.throws(() => make(VALUES, options), { any: true }) as Coded | undefined;
    t.is(error?.code, 'ERR_INVALID_ARG_TYPE', `${Object.keys(options)[0]}: ${describeError(error)}`);
  }
  const source = `export function* throws() { yield 1; throw { constructor: { name: Symbol('x') }, callback() {} }; }
    export const notIterable = { constructor: { name: Symbol('y') } };`;
  const module = `data:text/javascript,${encodeURIComponent(source)}`;
  const thrown = await attempt(module, { export: 'throws' });
  t.is('error' in thrown ? thrown.error?.code : undefined, 'ERR_WORKER_THREW_NOT_CLONEABLE');
  const notIterable = await attempt(module, { export: 'notIterable' });
  t.is('error' in notIterable ? notIterable.error?.code : undefined, 'ERR_WORKER_NOT_ITERABLE');
  t.is(await settledThreadCount(baseline), baseline);
});

test.serial('destroy(err) with a value describe() cannot describe still stops the thread before close', async (t) => {
  const script = fileURLToPath(new URL('./fixtures/scripts/odd-destroy.js', import.meta.url));
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    execFile(process.execPath, [script], (error, out) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: out });
    });
  });
  t.is(stdout.trim(), 'threads 0', 'no thread alive at close');
  t.is(code, 0, 'the process exits by itself');
});

test.serial('an export name that only exists on a prototype or a function is not an export', async (t) => {
  const commonjs = fixture('commonjs.cjs');
  const cases: Array<[URL, string]> = [
    [VALUES, 'name'],
    [VALUES, 'length'],
    [VALUES, 'toString'],
    [VALUES, 'call'],
    [commonjs, 'toString'],
    [commonjs, 'constructor'],
    [commonjs, 'hasOwnProperty'],
    [commonjs, '__proto__'],
  ];
  for (const [module, name] of cases) {
    const result = await attempt(module, { export: name });
    const code = 'thrown' in result ? result.thrown.code : result.error?.code;
    t.is(code, 'ERR_WORKER_EXPORT_NOT_FOUND', `export "${name}" of ${module.pathname.split('/').pop()}`);
  }
  t.is(await settledThreadCount(baseline), baseline);
});

test.serial('export names that are not exports: ERR_WORKER_EXPORT_NOT_FOUND', async (t) => {
  for (const name of ['', 'then', 'nope', ' sequence', 'Sequence']) {
    const result = await attempt(VALUES, { export: name });
    t.true('error' in result && result.error?.code === 'ERR_WORKER_EXPORT_NOT_FOUND', `export "${name}"`);
  }
  t.is(await settledThreadCount(baseline), baseline);
});

test.serial(
  'random option objects: a coded synchronous error or a stream that closes; never a crash or a thread left',
  async (t) => {
    // Mostly absent, so that many option objects pass and run a stream; otherwise anything.
    const valueArb = fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 6 },
      fc.anything({ maxDepth: 2 }),
      fc.constantFrom<unknown>(-1, 0, 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '', 'sequence', []),
    );
    const optionsArb = fc.oneof(
      { arbitrary: fc.anything({ maxDepth: 2 }), weight: 1 },
      {
        arbitrary: fc.record(
          {
            export: valueArb,
            args: fc.oneof(valueArb, fc.array(valueArb, { maxLength: 3 })),
            highWaterMark: valueArb,
            stopTimeout: valueArb,
            signal: valueArb,
            worker: fc.oneof(
              valueArb,
              fc.record(
                {
                  name: valueArb,
                  stdout: valueArb,
                  resourceLimits: valueArb,
                  env: fc.oneof(valueArb, fc.dictionary(fc.string(), valueArb, { maxKeys: 3 })),
                  argv: fc.oneof(valueArb, fc.array(valueArb, { maxLength: 3 })),
                  execArgv: fc.oneof(valueArb, fc.array(valueArb, { maxLength: 3 })),
                },
                { requiredKeys: [] },
              ),
            ),
          },
          { requiredKeys: [] },
        ),
        weight: 4,
      },
    );
    let streams = 0;
    await checkProperty(t, optionsArb, runsFor(150, 2000), async (options) => {
      const found: string[] = [];
      // Some random options run an export of values.js with random arguments: at most 50 items are read,
      // and an error there may be the export's own (uncoded); what matters is that the stream closes.
      const result = await attempt(VALUES, options, 50);
      if ('thrown' in result && typeof result.thrown.code !== 'string') {
        found.push(`threw without a code: ${describeError(result.thrown)}`);
      }
      if ('items' in result) streams++;
      const threads = await settledThreadCount(baseline);
      if (threads !== baseline) found.push(`${threads - baseline} thread(s) left`);
      return found;
    });
    t.log(`${streams} of the generated option objects were accepted and ran a stream`);
  },
);

test.after.always('no thread left by this file', async (t) => {
  t.is(await settledThreadCount(baseline), baseline);
});
