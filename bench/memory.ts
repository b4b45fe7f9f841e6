/**
 * Scenario 6, memory: RSS of the whole process (both threads) while a slow consumer reads many small items
 * through WorkerReadable at highWaterMark 64. Bounded buffering keeps it flat; the naive unbounded port, run
 * on fewer items for contrast, shows what unbounded buffering does.
 */
import { memoryUsage } from 'node:process';
import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, openContender, type Transport } from './lib/contenders.js';
import { check, formatCount, formatSummary, MB } from './lib/format.js';
import { settle } from './lib/loop.js';
import { repetitions } from './lib/scenario.js';
import { max, median, min, summarize } from './lib/stats.js';
import { type Contender, interleave, series } from './lib/trial.js';
import type { Sample, ScenarioOptions, ScenarioResult } from './lib/types.js';

/** Arithmetic rounds the consumer spends on each item (about 0.3 µs): it, not the producer, sets the pace. */
const CONSUMER_ROUNDS = 250;
const SAMPLE_EVERY_MS = 20;
/** The consumer lets the event loop turn once every this many items (a power of two)... */
const YIELD_EVERY = 1024;
/** ...and stalls for {@link STALL_MS} once every this many (a power of two), whatever the producer's pace. */
const STALL_EVERY = 65_536;
const STALL_MS = 2;

export interface MemoryParams {
  transport: Transport;
  items: number;
}

class SlowSink extends Writable {
  count = 0;
  checksum = 0;
  onFirst: (() => void) | null = null;

  constructor() {
    super({ objectMode: true });
  }

  override _write(_chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.count++ === 0) this.onFirst?.();
    let value = this.count;
    for (let round = 0; round < CONSUMER_ROUNDS; round++) value = (Math.imul(value, 1103515245) + 12345) | 0;
    this.checksum ^= value;
    // Like a consumer that does I/O now and then: the event loop turns, so the RSS sampler runs even when
    // the producer is in this thread, and now and then it stalls, so the producer runs into the bound.
    if ((this.count & (STALL_EVERY - 1)) === 0) setTimeout(callback, STALL_MS);
    else if ((this.count & (YIELD_EVERY - 1)) === 0) setImmediate(callback);
    else callback();
  }
}

/** Samples RSS (and the stream's own buffer) on a timer until stopped. */
class RssSampler {
  readonly rss: number[] = [];
  readonly buffered: number[] = [];
  /** Items the consumer had taken at each sample. */
  readonly progress: number[] = [];
  readonly #timer: NodeJS.Timeout;

  constructor(stream: Readable, sink: SlowSink) {
    this.#timer = setInterval(() => {
      this.rss.push(memoryUsage.rss());
      this.buffered.push(stream.readableLength);
      this.progress.push(sink.count);
    }, SAMPLE_EVERY_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** Trial: RSS before the stream, at its first item, at its peak and at its end. No warm-up pass: it would
 * leave its own garbage and code in the heap being measured. */
export async function memory(params: MemoryParams): Promise<Sample> {
  await settle();
  const before = memoryUsage.rss();
  const started = performance.now();
  const opened = await openContender(params.transport, { source: 'smallObjects', args: [params.items] });
  const sink = new SlowSink();
  let atFirst = 0;
  sink.onFirst = () => {
    atFirst = memoryUsage.rss();
  };
  const sampler = new RssSampler(opened.stream, sink);
  await pipeline(opened.stream, sink);
  sampler.stop();
  const end = memoryUsage.rss();
  const ms = performance.now() - started;
  await opened.release();
  if (sink.count !== params.items) throw new Error(`expected ${params.items} items, got ${sink.count}`);
  const rss = [atFirst, ...sampler.rss, end];
  const half = Math.floor(rss.length / 2);
  // Steady state: the samples after the first tenth of the items, when both heaps have grown to their
  // working size. Flat means this range stays small however many items go through. The last hundredth is left
  // out, as `end` is: the producer is done once the consumer is within the queue of the end, and its thread
  // may have exited and returned its memory (a sample landing there read as a 40 MB "range").
  const steady = sampler.rss.filter((_, index) => {
    const consumed = sampler.progress[index] ?? 0;
    return consumed >= params.items / 10 && consumed < params.items * 0.99;
  });
  const stride = Math.max(1, Math.floor(sampler.rss.length / 40));
  const trace = sampler.rss.flatMap((value, index) =>
    index % stride === 0 ? [sampler.progress[index] ?? 0, Math.round(value / 1e5) / 10] : [],
  );
  return {
    items: sink.count,
    ms,
    before,
    atFirst,
    peak: max(rss),
    end,
    growth: max(rss) - atFirst,
    steadyRange: max(steady) - min(steady),
    /** Peak of the second half minus peak of the first: a slow leak shows here even within the bound. */
    lateGrowth: max(rss.slice(half)) - max(rss.slice(0, half)),
    bufferedMedian: median(sampler.buffered),
    samples: sampler.rss.length,
    /** About 40 pairs of (items consumed, RSS in MB), for a reader who wants the curve. */
    trace,
  };
}

const SELF = import.meta.url;
const LIMIT_MB = 20;

export default async function memoryScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const items = options.quick ? 20_000 : 10_000_000;
  const plan: MemoryParams[] = [
    { transport: { kind: 'in-thread' }, items },
    { transport: { kind: 'worker-readable', highWaterMark: 64 }, items },
    { transport: { kind: 'naive' }, items: options.quick ? 20_000 : 1_000_000 },
  ];
  const contenders: Contender[] = plan.map((params) => ({
    label: describe(params.transport),
    module: SELF,
    trial: 'memory',
    params,
  }));
  const reps = repetitions(options, 3);
  const samples = await interleave(contenders, { name: 'memory', quick: options.quick, reps, warmup: null });
  const rows = plan.map((params, index) => {
    const list = samples[index] ?? [];
    const steady = summarize(series(list, 'steadyRange'));
    const target =
      params.transport.kind === 'worker-readable' ? check(steady.median <= LIMIT_MB * 1e6, `≤${LIMIT_MB} MB`) : '';
    return [
      describe(params.transport),
      formatCount(params.items),
      formatSummary(summarize(series(list, 'before')), MB),
      formatSummary(summarize(series(list, 'atFirst')), MB),
      formatSummary(summarize(series(list, 'peak')), MB),
      formatSummary(summarize(series(list, 'end')), MB),
      formatSummary(summarize(series(list, 'growth')), MB),
      formatSummary(steady, MB),
      formatCount(median(series(list, 'bufferedMedian'))),
      `${(median(series(list, 'ms')) / 1000).toFixed(1)} s`,
      target,
    ];
  });
  return {
    name: 'memory',
    title: `Memory: process RSS while a slow consumer (~${CONSUMER_ROUNDS} ns of work per item) reads small objects`,
    columns: [
      'contender',
      'items',
      'RSS before',
      'at first item',
      'peak',
      'end',
      'peak − first item',
      'range 10–99%',
      'buffered',
      'wall',
      'target',
    ],
    rows,
    notes: [
      `RSS of the whole process (both threads), sampled every ${SAMPLE_EVERY_MS} ms; "before" is after gc, before the stream`,
      'exists; "at first item" includes the started worker thread; "end" is at the last item (the worker may have',
      'exited). "buffered": median readableLength when sampled.',
      '"range 10–99%": max − min RSS from a tenth of the items consumed (both heaps at working size) to the last',
      'hundredth (then the producer is done and its thread may exit): the flatness the target is about.',
      '"peak − first item" also counts the heaps growing to that size.',
      `The consumer turns the event loop every ${YIELD_EVERY} items and stalls ${STALL_MS} ms every ${STALL_EVERY}: at each`,
      'stall the producer runs into its bound even when the transport is slower than the consumer ("buffered" 0).',
      'The naive port runs fewer items: it buffers everything the consumer has not taken yet.',
    ],
    data: contenders.map((entry, index) => ({ label: entry.label, params: entry.params, samples: samples[index] })),
  };
}
