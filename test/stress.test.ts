/**
 * Stress: thousands of streams created and destroyed at random moments, 50 at a time, must leave no thread,
 * no MessagePort or other handle, no listener, and a heap back near its start; a million sequence-numbered
 * items read by a consumer that pauses at random must arrive exactly once, in order, never more than
 * highWaterMark + 1 ahead. CI runs bounded counts (logged); `npm run test:long` the full ones.
 * Serial: thread counts and heap figures are global to the process.
 */
import { getEventListeners, setMaxListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import test from 'ava';
import { WorkerReadable } from 'worker-readable';
import { cell, closed, fixture, newProbe, Probe, threadCount } from './helpers.js';
import { LONG, settledThreadCount } from './reliability-helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const COUNTED = fixture('counted.js');
const VALUES = fixture('values.js');
const SCENARIO = fixture('scenario.js');

const STREAMS = Number(process.env.WR_STREAMS) || (LONG ? 10_000 : 500);
const CONCURRENCY = 50;
const ITEMS = Number(process.env.WR_ITEMS) || 1_000_000;
const SEED = Number(process.env.WR_SEED) || Date.now() % 2 ** 31;

/** A small seeded generator (mulberry32), so a failing run can be replayed with WR_SEED. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Handles by type, e.g. { MessagePort: 1, Timeout: 2 }. Requests (`CloseReq`, `FSReqCallback`, ...) are
 * left out: they are in-flight operations of the test runner's own I/O, not something a stream holds. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) {
    if (/Req/.test(name)) continue;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/** Listeners on process, by event name. */
function processListeners(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.eventNames()) counts[String(name)] = process.listenerCount(name);
  return counts;
}

async function settledHeap(): Promise<number> {
  // Several rounds: finalizers of workers and ports run between them.
  for (let round = 0; round < 6; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

const MOMENTS = [
  'at once',
  'next tick',
  'after some turns',
  'after some items',
  'read to the end',
  'abort',
  'destroy(err)',
] as const;
type Moment = (typeof MOMENTS)[number];

/** Creates one stream and destroys it at a random moment; resolves on its 'close'. */
async function lifeOfAStream(next: () => number, shared: AbortSignal, tally: Record<Moment, number>): Promise<void> {
  const moment = MOMENTS[Math.floor(next() * MOMENTS.length)] as Moment;
  tally[moment]++;
  const choice = next();
  const probe = newProbe();
  const controller = new AbortController();
  // Every other stream listens to one long-lived signal, which must end up with no listener at all.
  const signal = moment === 'abort' ? controller.signal : shared;
  const stream =
    moment === 'read to the end'
      ? new WorkerReadable(VALUES, { export: 'sequence', args: [Math.floor(next() * 300)], signal })
      : new WorkerReadable(COUNTED, {
          export: choice < 0.5 ? 'endless' : 'endlessAsync',
          args: [probe],
          highWaterMark: Math.floor(next() * 100),
          signal,
        });
  stream.on('error', () => {});
  const whenClosed = closed(stream);
  switch (moment) {
    case 'at once':
      stream.destroy();
      break;
    case 'next tick':
      stream.read();
      await new Promise((resolve) => process.nextTick(resolve));
      stream.destroy();
      break;
    case 'after some turns': {
      stream.resume();
      const turns = Math.floor(next() * 40);
      for (let i = 0; i < turns; i++) await turn();
      stream.destroy();
      break;
    }
    case 'after some items': {
      const wanted = 1 + Math.floor(next() * 200);
      let seen = 0;
      stream.on('data', () => {
        if (++seen === wanted) stream.destroy();
      });
      break;
    }
    case 'read to the end':
      stream.resume();
      break;
    case 'abort': {
      stream.resume();
      const turns = Math.floor(next() * 20);
      for (let i = 0; i < turns; i++) await turn();
      controller.abort();
      break;
    }
    case 'destroy(err)':
      stream.read();
      await turn();
      stream.destroy(new Error('stress'));
      break;
  }
  await whenClosed;
}

test.serial(
  `${STREAMS} streams destroyed at random moments, ${CONCURRENCY} at a time, leave nothing behind`,
  async (t) => {
    t.timeout((LONG ? 60 : 3) * 60_000);
    const next = random(SEED);
    const shared = new AbortController();
    // Up to CONCURRENCY streams share it at a time: the warning about more than 10 listeners would be noise.
    setMaxListeners(CONCURRENCY, shared.signal);
    const threadsBefore = threadCount();
    const resourcesBefore = resources();
    const listenersBefore = processListeners();
    const heapBefore = await settledHeap();
    const tally = Object.fromEntries(MOMENTS.map((moment) => [moment, 0])) as Record<Moment, number>;
    let started = 0;
    let peakThreads = 0;
    const slot = async () => {
      while (started < STREAMS) {
        started++;
        await lifeOfAStream(next, shared.signal, tally);
        peakThreads = Math.max(peakThreads, threadCount());
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, slot));
    const heapAfter = await settledHeap();
    const threadsAfter = await settledThreadCount(threadsBefore);
    const resourcesAfter = resources();
    t.log(
      `seed ${SEED}; ${started} streams (${JSON.stringify(tally)}); threads before ${threadsBefore}, ` +
        `peak ${peakThreads}, after ${threadsAfter}; resources before ${JSON.stringify(resourcesBefore)}, ` +
        `after ${JSON.stringify(resourcesAfter)}; heap before ${(heapBefore / 2 ** 20).toFixed(1)} MB, ` +
        `after ${(heapAfter / 2 ** 20).toFixed(1)} MB`,
    );
    t.is(started, STREAMS);
    t.true(peakThreads > threadsBefore, 'streams did run their threads concurrently');
    t.is(threadsAfter, threadsBefore, 'no thread left');
    t.deepEqual(resourcesAfter, resourcesBefore, 'no MessagePort, timer or other handle left');
    t.deepEqual(processListeners(), listenersBefore, 'no listener left on process');
    t.is(getEventListeners(shared.signal, 'abort').length, 0, 'no listener left on the shared signal');
    // Near its start: a leak of even a few hundred bytes per stream would show above this slack.
    t.true(heapAfter - heapBefore < 8 * 2 ** 20, `heap grew by ${((heapAfter - heapBefore) / 2 ** 20).toFixed(1)} MB`);
  },
);

test.serial(`${ITEMS} sequence-numbered items, a consumer pausing at random: exactly once, in order`, async (t) => {
  t.timeout((LONG ? 10 : 2) * 60_000);
  const next = random(SEED + 1);
  const highWaterMark = 1 + Math.floor(next() * 256);
  const probe = newProbe();
  const stream = new WorkerReadable<number>(SCENARIO, { export: 'numbers', args: [probe, ITEMS], highWaterMark });
  let expected = 0;
  let maxAhead = 0;
  let pauses = 0;
  let firstWrong: string | null = null;
  stream.on('data', (item: number) => {
    if (item !== expected && firstWrong === null) firstWrong = `item ${expected} arrived as ${item}`;
    expected++;
    const ahead = cell(probe, Probe.PRODUCED) - expected;
    if (ahead > maxAhead) maxAhead = ahead;
    if (next() < 0.002) {
      // Pauses of different lengths: a microtask, a tick, one or several turns of the event loop.
      pauses++;
      stream.pause();
      const kind = Math.floor(next() * 4);
      const resume = () => stream.resume();
      if (kind === 0) queueMicrotask(resume);
      else if (kind === 1) process.nextTick(resume);
      else if (kind === 2) setImmediate(resume);
      else setImmediate(() => setImmediate(() => setImmediate(resume)));
    }
  });
  const ended = new Promise<void>((resolve) => stream.once('end', resolve));
  await ended;
  await closed(stream);
  t.log(`seed ${SEED}; highWaterMark ${highWaterMark}; ${pauses} pauses; at most ${maxAhead} items ahead`);
  t.is(firstWrong, null);
  t.is(expected, ITEMS, 'every item exactly once');
  t.true(maxAhead <= highWaterMark + 1, `${maxAhead} ahead; highWaterMark ${highWaterMark}`);
  t.is(cell(probe, Probe.FINALLY), 1);
});
