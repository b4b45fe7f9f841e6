/**
 * Scenario 5, start and stop: time to the first item of a new WorkerReadable against a bare `new Worker`
 * and its first message; `destroy()` to `'close'` for a cooperative iterator (its `finally` must have run)
 * and for one stuck in `while (true) {}` (terminated after `stopTimeout`); `worker.terminate()` alone.
 */
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { WorkerReadable } from 'worker-readable';
import { exitOf } from './lib/contenders.js';
import { check, formatRatio, formatSummary, msUnit } from './lib/format.js';
import { repetitions } from './lib/scenario.js';
import { median, summarize } from './lib/stats.js';
import { type Contender, figure, figures, interleave } from './lib/trial.js';
import type { Sample, ScenarioOptions, ScenarioResult } from './lib/types.js';

const SOURCES = new URL('./workers/sources.js', import.meta.url);
const FIRST_MESSAGE = new URL('./workers/first-message.js', import.meta.url);
const SPIN = new URL('./workers/spin.js', import.meta.url);

export type StartStopParams =
  | { measure: 'first-item' | 'bare-first-message' | 'destroy-cooperative' | 'terminate'; times: number }
  | { measure: 'destroy-spin'; times: number; stopTimeout: number };

/** Resolves on `'close'`, never rejects (an `'error'` before it is not what is measured here). */
function closed(stream: Readable): Promise<void> {
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

async function firstItem(): Promise<number> {
  const started = performance.now();
  const stream = new WorkerReadable(SOURCES, { export: 'smallObjects', args: [1_000_000] });
  await once(stream, 'data');
  const ms = performance.now() - started;
  const done = closed(stream);
  stream.destroy();
  await done;
  return ms;
}

async function bareFirstMessage(): Promise<number> {
  const started = performance.now();
  const worker = new Worker(FIRST_MESSAGE);
  const exited = exitOf(worker);
  await once(worker, 'message');
  const ms = performance.now() - started;
  await exited;
  return ms;
}

/** Read a while, destroy, wait for 'close'; the iterator's `finally` raises a shared flag. */
async function destroyCooperative(ran: Int32Array): Promise<number> {
  const flag = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  const stream = new WorkerReadable(SOURCES, { export: 'cooperative', args: [flag] });
  let count = 0;
  await new Promise<void>((resolve) => {
    stream.on('data', () => {
      if (++count === 1000) resolve();
    });
  });
  const done = closed(stream);
  const started = performance.now();
  stream.destroy();
  await done;
  const ms = performance.now() - started;
  Atomics.add(ran, 0, Atomics.load(new Int32Array(flag), 0));
  return ms;
}

/** The iterator yields one item, then spins inside `next()`: only termination after stopTimeout stops it.
 * Measured once it is known to spin. */
async function destroySpin(stopTimeout: number): Promise<number> {
  const spinning = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const stream = new WorkerReadable(SOURCES, { export: 'spinForever', args: [spinning.buffer], stopTimeout });
  await once(stream, 'data');
  // Destroying between the yield and the next `next()` would be a cooperative stop, not what is measured.
  while (Atomics.load(spinning, 0) === 0) {
    const wait = Atomics.waitAsync(spinning, 0, 0);
    if (wait.async) await wait.value;
  }
  const done = closed(stream);
  const started = performance.now();
  stream.destroy();
  await done;
  return performance.now() - started;
}

async function terminate(): Promise<number> {
  const worker = new Worker(SPIN);
  const exited = exitOf(worker);
  await once(worker, 'message');
  const started = performance.now();
  void worker.terminate();
  await exited;
  return performance.now() - started;
}

/** Trial: one discarded round (the first of a process loads code the later ones find ready), then `times`
 * measured rounds, each with a new stream or worker. */
export async function startStop(params: StartStopParams): Promise<Sample> {
  const ran = new Int32Array(1);
  const once = (): Promise<number> => {
    switch (params.measure) {
      case 'first-item':
        return firstItem();
      case 'bare-first-message':
        return bareFirstMessage();
      case 'destroy-cooperative':
        return destroyCooperative(ran);
      case 'destroy-spin':
        return destroySpin(params.stopTimeout);
      case 'terminate':
        return terminate();
    }
  };
  const firstOfProcessMs = await once();
  Atomics.store(ran, 0, 0);
  const ms: number[] = [];
  for (let index = 0; index < params.times; index++) ms.push(await once());
  return { firstOfProcessMs, ms, finallyRan: Atomics.load(ran, 0) };
}

const SELF = import.meta.url;
const SPIN_TIMEOUT_MS = 50;

function lineup(times: number): Contender[] {
  const contender = (label: string, params: StartStopParams): Contender => ({
    label,
    module: SELF,
    trial: 'startStop',
    params,
  });
  return [
    contender('first item, new WorkerReadable', { measure: 'first-item', times }),
    contender('first message, bare new Worker', { measure: 'bare-first-message', times }),
    contender("destroy() → 'close', cooperative iterator", { measure: 'destroy-cooperative', times }),
    contender(`destroy() → 'close', while (true) {}, stopTimeout ${SPIN_TIMEOUT_MS} ms`, {
      measure: 'destroy-spin',
      times,
      stopTimeout: SPIN_TIMEOUT_MS,
    }),
    contender("destroy() → 'close', while (true) {}, stopTimeout 0", {
      measure: 'destroy-spin',
      times,
      stopTimeout: 0,
    }),
    contender("worker.terminate() → 'exit', bare worker in while (true) {}", { measure: 'terminate', times }),
  ];
}

export default async function startStopScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const times = options.quick ? 2 : 10;
  const contenders = lineup(times);
  const reps = repetitions(options, 5);
  const samples = await interleave(contenders, { name: 'start-stop', quick: options.quick, reps, warmup: null });
  const pooled = samples.map((list) => list.flatMap((sample) => figures(sample, 'ms')));
  const summaries = pooled.map((values) => summarize(values));
  const firstOfProcess = samples.map((list) => summarize(list.map((sample) => figure(sample, 'firstOfProcessMs'))));
  const finallyRan = (samples[2] ?? []).reduce((sum, sample) => sum + figure(sample, 'finallyRan'), 0);
  const ratio = median(pooled[0] ?? []) / median(pooled[1] ?? []);
  const ratioFirst = (firstOfProcess[0]?.median ?? Number.NaN) / (firstOfProcess[1]?.median ?? Number.NaN);
  const cell = (index: number): string => {
    const summary = summaries[index];
    return summary === undefined ? '-' : formatSummary(summary, msUnit(summary.median));
  };
  const n = (index: number): number => summaries[index]?.n ?? 0;
  const cooperative = summaries[2]?.median ?? Number.NaN;
  const rows: (string | number)[][] = [
    [contenders[0]?.label ?? '', cell(0), n(0), ''],
    [contenders[1]?.label ?? '', cell(1), n(1), ''],
    ['  ratio WorkerReadable / bare Worker', formatRatio(ratio), '', check(ratio <= 1.2, '≤1.2×')],
    [
      '  same, first start of a process',
      `${formatRatio(ratioFirst)} (${firstOfProcess[0]?.median.toFixed(1)} / ${firstOfProcess[1]?.median.toFixed(1)} ms)`,
      firstOfProcess[0]?.n ?? 0,
      '',
    ],
    [
      `${contenders[2]?.label} (finally ran ${finallyRan}/${n(2)})`,
      cell(2),
      n(2),
      `${check(cooperative <= 10, '≤10 ms')}, ${check(finallyRan === n(2), 'finally ran')}`,
    ],
    [
      contenders[3]?.label ?? '',
      cell(3),
      n(3),
      `(stopTimeout + ${((summaries[3]?.median ?? 0) - SPIN_TIMEOUT_MS).toFixed(1)} ms)`,
    ],
    [contenders[4]?.label ?? '', cell(4), n(4), ''],
    [`${contenders[5]?.label ?? ''} (no finally runs)`, cell(5), n(5), 'reference'],
  ];
  return {
    name: 'start-stop',
    title: 'Start and stop',
    columns: ['measurement', 'median (min–max)', 'n', 'target'],
    rows,
    notes: [
      `Each child process does one discarded start, then ${times} measured ones, each with a new stream/worker;`,
      'figures pool every measured start of every repetition. The "first start of a process" row compares the',
      'discarded ones: what a short-lived program pays once.',
      "First item: from the constructor to the first 'data'; bare: from new Worker() to the first 'message'.",
      'destroy(): called after 1000 items read in flowing mode (cooperative) or after the only item (spin).',
    ],
    data: contenders.map((entry, index) => ({
      label: entry.label,
      params: entry.params,
      ms: summaries[index],
      firstOfProcessMs: firstOfProcess[index],
      samples: samples[index],
    })),
  };
}
