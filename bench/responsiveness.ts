/**
 * Scenario 4, responsiveness: how free the main thread stays while a heavy iterator runs. A CPU-heavy
 * generator (about 20 µs of arithmetic per item) and a blocking one (a `readdirSync`/`statSync` walk of a
 * generated tree), in this thread with `Readable.from` and through WorkerReadable; a bare worker that runs
 * the same iterator and posts nothing is the floor.
 */
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Worker } from 'node:worker_threads';
import { describe, exitOf, openContender, type Transport } from './lib/contenders.js';
import { check, formatCount, formatSummary, msUnit, rateUnit } from './lib/format.js';
import { DelayMonitor, settle } from './lib/loop.js';
import { repetitions } from './lib/scenario.js';
import { type Summary, summarize } from './lib/stats.js';
import { ensureTree } from './lib/tree.js';
import { type Contender, interleave, note, series } from './lib/trial.js';
import type { Sample, ScenarioOptions, ScenarioResult } from './lib/types.js';
import type { SourceSpec } from './workers/spec.js';

/** About 20 µs per item on the machine this was written on (about 1.1 ns a round). */
const CPU_ROUNDS = 18_000;

type Runner = Transport | { kind: 'bare' };

export interface ResponsivenessParams {
  runner: Runner;
  spec: SourceSpec;
  /** The same spec with fewer items for the warm-up pass (the walk warms up on the whole tree); none in
   * quick mode. */
  warmup: SourceSpec | null;
  /** Items the pass must deliver: a check that every contender did the same work. */
  expected: number;
  warmupExpected: number;
}

function label(runner: Runner): string {
  return runner.kind === 'bare' ? 'bare worker, posts nothing' : describe(runner);
}

/** A Writable that only counts. */
function counter(): Writable & { count: number } {
  const sink = Object.assign(
    new Writable({
      objectMode: true,
      write(_chunk, _encoding, callback) {
        sink.count++;
        callback();
      },
    }),
    { count: 0 },
  );
  return sink;
}

async function runBare(spec: SourceSpec): Promise<number> {
  const worker = new Worker(new URL('./workers/drain.js', import.meta.url), { workerData: spec });
  const exited = exitOf(worker);
  const [count] = (await once(worker, 'message')) as [number];
  await exited;
  return count;
}

async function runStream(transport: Transport, spec: SourceSpec): Promise<number> {
  const opened = await openContender(transport, spec);
  const sink = counter();
  await pipeline(opened.stream, sink);
  await opened.release();
  return sink.count;
}

/** One pass: the delay monitor runs from before the stream (or worker) is created until it has ended. */
async function pass(runner: Runner, spec: SourceSpec, expected: number): Promise<Sample> {
  const monitor = await DelayMonitor.start();
  const started = performance.now();
  const count = runner.kind === 'bare' ? await runBare(spec) : await runStream(runner, spec);
  const ms = performance.now() - started;
  const delay = await monitor.stop();
  if (count !== expected) throw new Error(`expected ${expected} items, got ${count}`);
  return { items: count, ms, itemsPerSec: count / (ms / 1000), ...delay };
}

/** Trial: a warm-up pass, then the measured one. */
export async function responsiveness(params: ResponsivenessParams): Promise<Sample> {
  if (params.warmup !== null) await pass(params.runner, params.warmup, params.warmupExpected);
  await settle();
  return pass(params.runner, params.spec, params.expected);
}

const SELF = import.meta.url;
const RUNNERS: Runner[] = [
  { kind: 'in-thread' },
  { kind: 'worker-readable', highWaterMark: 64 },
  { kind: 'worker-readable', highWaterMark: 256 },
  { kind: 'bare' },
];

interface Workload {
  label: string;
  contenders: Contender[];
}

function workloads(quick: boolean): Workload[] {
  const cpuItems = quick ? 500 : 50_000;
  const cpu: ResponsivenessParams[] = RUNNERS.map((runner) => ({
    runner,
    spec: { source: 'cpuHeavy', args: [cpuItems, CPU_ROUNDS] },
    warmup: quick ? null : { source: 'cpuHeavy', args: [cpuItems / 10, CPU_ROUNDS] },
    expected: cpuItems,
    warmupExpected: cpuItems / 10,
  }));
  const files = quick ? 2_000 : 100_000;
  note(`responsiveness: preparing a tree of ${formatCount(files)} files`);
  const { tree } = ensureTree(files);
  const walk: ResponsivenessParams[] = RUNNERS.map((runner) => ({
    runner,
    spec: { source: 'walkSync', args: [tree.root] },
    warmup: quick ? null : { source: 'walkSync', args: [tree.root] },
    expected: tree.entries,
    warmupExpected: tree.entries,
  }));
  const contenders = (name: string, list: ResponsivenessParams[]): Contender[] =>
    list.map((params) => ({
      label: `${name}, ${label(params.runner)}`,
      module: SELF,
      trial: 'responsiveness',
      params,
    }));
  return [
    { label: `CPU-heavy (${CPU_ROUNDS} rounds/item)`, contenders: contenders('cpu', cpu) },
    { label: `sync walk, ${formatCount(tree.entries)} entries`, contenders: contenders('walk', walk) },
  ];
}

export default async function responsivenessScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const rows: (string | number)[][] = [];
  const data: unknown[] = [];
  for (const workload of workloads(options.quick)) {
    const samples = await interleave(workload.contenders, {
      name: `responsiveness (${workload.label})`,
      quick: options.quick,
      reps: repetitions(options, 5),
      warmup: null,
    });
    const floor = summarize(series(samples[RUNNERS.length - 1] ?? [], 'p99Ms'));
    workload.contenders.forEach((entry, index) => {
      const list = samples[index] ?? [];
      const runner = (entry.params as ResponsivenessParams).runner;
      const p99: Summary = summarize(series(list, 'p99Ms'));
      const maxDelay: Summary = summarize(series(list, 'maxMs'));
      const rate: Summary = summarize(series(list, 'itemsPerSec'));
      const checks =
        runner.kind === 'worker-readable'
          ? [check(p99.median <= 2, 'p99 ≤2 ms'), check(p99.median <= floor.median + 0.5, 'p99 ≤ floor+0.5 ms')]
          : [];
      rows.push([
        workload.label,
        label(runner),
        formatSummary(p99, msUnit(p99.median)),
        formatSummary(maxDelay, msUnit(maxDelay.median)),
        formatSummary(rate, rateUnit(rate.median)),
        formatSummary(summarize(series(list, 'ms')), msUnit(summarize(series(list, 'ms')).median)),
        checks.join(', '),
      ]);
      data.push({
        label: entry.label,
        params: entry.params,
        p99Ms: p99,
        maxMs: maxDelay,
        itemsPerSec: rate,
        samples: list,
      });
    });
  }
  return {
    name: 'responsiveness',
    title: 'Responsiveness: main-thread event-loop delay while a heavy iterator streams',
    columns: ['iterator', 'contender', 'loop delay p99 (min–max)', 'max', 'items/s', 'wall', 'target'],
    rows,
    notes: [
      'monitorEventLoopDelay({ resolution: 1 }), enabled from before the stream is created until it has ended.',
      'items/s and wall cover the whole life of the stream, thread start-up included; the sink only counts.',
      'The floor is a worker running the same iterator and posting only its count at the end.',
    ],
    data,
  };
}
