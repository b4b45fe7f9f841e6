/**
 * Type tests: this file fails to compile (and so the whole test run fails) when the types are wrong.
 * `Equal` checks exact types; `@ts-expect-error` lines check that wrong uses are rejected.
 */
import test from 'ava';
import { type ArgsOf, type ExportItem, type ItemOf, WorkerReadable, type WorkerReadableOptions } from 'worker-readable';
import { fixture } from './helpers.js';

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | undefined {
  return undefined;
}

type Typed = typeof import('./fixtures/typed.js');
type Walked = import('./fixtures/typed.js').Walked;

expectType<Equal<ItemOf<Typed, 'walk'>, Walked>>();
expectType<Equal<ArgsOf<Typed, 'walk'>, [root: string, maxDepth: number]>>();
expectType<Equal<ItemOf<Typed, 'ticks'>, bigint>>();
expectType<Equal<ItemOf<Typed, 'later'>, string>>();
expectType<Equal<ItemOf<Typed, 'fixed'>, boolean>>();
expectType<Equal<ArgsOf<Typed, 'fixed'>, []>>();
expectType<Equal<ItemOf<Typed>, number>>();
expectType<Equal<ExportItem<() => Generator<Date>>, Date>>();
expectType<Equal<ExportItem<string>, string>>();

// @ts-expect-error: 'nope' is not an export of the module
expectType<Equal<ItemOf<Typed, 'nope'>, unknown>>();

const options: WorkerReadableOptions<ArgsOf<Typed, 'walk'>> = { export: 'walk', args: ['/usr', 2] };
// @ts-expect-error: the second argument of walk is a number
const badOptions: WorkerReadableOptions<ArgsOf<Typed, 'walk'>> = { export: 'walk', args: ['/usr', '2'] };
// @ts-expect-error: highWaterMark is a number
const badHighWaterMark: WorkerReadableOptions = { highWaterMark: '4' };

test('T and the args type come from the module type', async (t) => {
  const stream = new WorkerReadable<ItemOf<Typed, 'walk'>, ArgsOf<Typed, 'walk'>>(fixture('typed.js'), options);
  const items = await stream.toArray();
  const first: Walked | undefined = items[0];
  t.deepEqual(first, { path: '/usr/0', depth: 0 });
  expectType<Equal<typeof items, Walked[]>>();
  for await (const item of new WorkerReadable<Walked>(fixture('typed.js'), options)) {
    expectType<Equal<typeof item, Walked>>();
    const depth: number = item.depth;
    t.is(typeof depth, 'number');
    break;
  }
  // 'data' listeners get T; one taking anything else is refused.
  const listened = new WorkerReadable<Walked>(fixture('typed.js'), options);
  const seen = await new Promise<Walked>((resolve) => {
    listened.once('data', (item) => {
      expectType<Equal<typeof item, Walked>>();
      resolve(item);
    });
  });
  t.deepEqual(seen, { path: '/usr/0', depth: 0 });
  // @ts-expect-error: the items are Walked, not strings
  listened.on('data', (item: string) => item.length);
  listened.on('error', (error) => expectType<Equal<typeof error, Error>>());
  listened.destroy();
  // read() returns T | null
  const reader = new WorkerReadable<Walked>(fixture('typed.js'), options);
  const read = reader.read();
  expectType<Equal<typeof read, Walked | null>>();
  // Still a NodeJS.ReadableStream, for the APIs typed with it (finished, addAbortSignal).
  const asNodeStream: NodeJS.ReadableStream = reader;
  t.is(asNodeStream, reader);
  t.is(read, null, 'nothing is available synchronously');
  reader.destroy();
  t.is(badOptions.args?.length, 2);
  t.is(badHighWaterMark.highWaterMark as unknown, '4');
});
