/**
 * Scenario 3, latency of a slow iterator: one item every 2 ms, each stamped with the process-wide monotonic
 * clock (`process.hrtime.bigint()`) when it is yielded; the main thread's `'data'` handler reads the clock
 * again. The difference is what the transport adds: batching must not hold a lone item back.
 */
import { finished } from 'node:stream/promises';
import { describe, openContender, type Transport } from './lib/contenders.js';
import { check, formatCount, formatSummary, msUnit } from './lib/format.js';
import { repetitions } from './lib/scenario.js';
import { max, percentile, type Summary, summarize } from './lib/stats.js';
import { type Contender, figures, interleave, series } from './lib/trial.js';
import type { Sample, ScenarioOptions, ScenarioResult } from './lib/types.js';
import type { Stamped } from './workers/sources.js';

const INTERVAL_MS = 2;

export interface LatencyParams {
  transport: Transport;
  /** `ticks` waits on a timer between items; `busyTicks` holds its thread (a synchronous iterator). */
  source: 'ticks' | 'busyTicks';
  items: number;
  warmupItems: number;
}

/** Delays (ms) from each item's yield to its `'data'`, and the iterator's own mean pace (ms). */
async function pass(params: LatencyParams, items: number): Promise<{ delays: number[]; paceMs: number }> {
  const opened = await openContender(params.transport, { source: params.source, args: [items, INTERVAL_MS] });
  const delays: number[] = [];
  let first = 0n;
  let last = 0n;
  opened.stream.on('data', (item: Stamped) => {
    const now = process.hrtime.bigint();
    if (delays.length === 0) first = item.at;
    last = item.at;
    delays.push(Number(now - item.at) / 1e6);
  });
  await finished(opened.stream);
  await opened.release();
  if (delays.length !== items) throw new Error(`expected ${items} items, received ${delays.length}`);
  return { delays, paceMs: Number(last - first) / 1e6 / Math.max(1, items - 1) };
}

/** Trial: a warm-up pass, then the measured one. */
export async function latency(params: LatencyParams): Promise<Sample> {
  if (params.warmupItems > 0) await pass(params, params.warmupItems);
  const { delays, paceMs } = await pass(params, params.items);
  return {
    items: delays.length,
    paceMs,
    p50Ms: percentile(delays, 50),
    p99Ms: percentile(delays, 99),
    maxMs: max(delays),
    delaysMs: delays,
  };
}

const SELF = import.meta.url;

function lineup(quick: boolean): LatencyParams[] {
  const items = quick ? 20 : 1000;
  const busy = quick ? 20 : 500;
  const warmupItems = quick ? 0 : 50;
  const timer = (transport: Transport): LatencyParams => ({ transport, source: 'ticks', items, warmupItems });
  const held = (transport: Transport): LatencyParams => ({ transport, source: 'busyTicks', items: busy, warmupItems });
  return [
    timer({ kind: 'in-thread' }),
    timer({ kind: 'naive' }),
    timer({ kind: 'worker-readable', highWaterMark: 1 }),
    timer({ kind: 'worker-readable', highWaterMark: 64 }),
    timer({ kind: 'worker-readable', highWaterMark: 256 }),
    held({ kind: 'naive' }),
    held({ kind: 'worker-readable', highWaterMark: 64 }),
    held({ kind: 'worker-readable', highWaterMark: 256 }),
  ];
}

const ITERATOR_LABEL = { ticks: 'async, 2 ms timer', busyTicks: 'sync, 2 ms busy' } as const;

export default async function latencyScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const plan = lineup(options.quick);
  const contenders: Contender[] = plan.map((params) => ({
    label: `${ITERATOR_LABEL[params.source]}, ${describe(params.transport)}`,
    module: SELF,
    trial: 'latency',
    params,
  }));
  const samples = await interleave(contenders, {
    name: 'latency',
    quick: options.quick,
    reps: repetitions(options, 3),
    warmup: null,
  });
  const unit = msUnit(1);
  const rows = plan.map((params, index) => {
    const list = samples[index] ?? [];
    const p99: Summary = summarize(series(list, 'p99Ms'));
    const worst = max(series(list, 'maxMs'));
    const target = params.transport.kind === 'worker-readable' ? check(p99.median <= 1, 'p99 ≤1 ms') : '';
    return [
      ITERATOR_LABEL[params.source],
      describe(params.transport),
      formatCount(params.items),
      formatSummary(summarize(series(list, 'paceMs')), unit),
      formatSummary(summarize(series(list, 'p50Ms')), unit),
      formatSummary(p99, unit),
      `${worst.toFixed(2)} ms`,
      target,
    ];
  });
  return {
    name: 'latency',
    title: `Latency of a slow iterator (one item every ${INTERVAL_MS} ms): yield → main-thread 'data'`,
    columns: ['iterator', 'contender', 'items', 'pace', 'delay p50 (min–max)', 'delay p99 (min–max)', 'max', 'target'],
    rows,
    notes: [
      "Delay = process.hrtime.bigint() at the main thread's 'data' minus the stamp taken just before the yield.",
      'p50/p99 per repetition, then the median (min–max) over repetitions; max is the worst single item of all.',
      "pace: the iterator's own mean interval between yields. The worker side is cold in every pass (a new thread).",
    ],
    data: contenders.map((entry, index) => {
      const list = samples[index] ?? [];
      return {
        label: entry.label,
        params: entry.params,
        p50Ms: summarize(series(list, 'p50Ms')),
        p99Ms: summarize(series(list, 'p99Ms')),
        maxMs: max(series(list, 'maxMs')),
        paceMs: summarize(series(list, 'paceMs')),
        pooledP99Ms: percentile(
          list.flatMap((sample) => figures(sample, 'delaysMs')),
          99,
        ),
      };
    }),
  };
}
