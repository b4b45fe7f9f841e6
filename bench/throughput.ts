/**
 * Scenario 1, throughput: small objects `{ path, type, depth }` from a generator into a Writable, through
 * every contender. Figures: items/s, ratios to the in-thread ceiling and to the naive port, and main-thread
 * CPU per item.
 */
import { describe, type Transport } from './lib/contenders.js';
import { check, formatCount, formatRatio, formatSummary, NS, rateUnit } from './lib/format.js';
import type { PipeParams } from './lib/pipe.js';
import { repetitions, warmupItems } from './lib/scenario.js';
import { type Summary, summarize } from './lib/stats.js';
import { type Contender, interleave, series } from './lib/trial.js';
import type { ScenarioOptions, ScenarioResult } from './lib/types.js';

const PIPE = new URL('./lib/pipe.js', import.meta.url).href;

/** Transports, with the items each runs: the slowest would take minutes for 1 M items, and a rate measured
 * over 50 k items (several seconds at their pace) is as steady. */
function lineup(quick: boolean): [Transport, number][] {
  const full = quick ? 5_000 : 1_000_000;
  const fewer = quick ? 2_000 : 200_000;
  const fewest = quick ? 1_000 : 50_000;
  return [
    [{ kind: 'in-thread' }, full],
    [{ kind: 'naive' }, full],
    [{ kind: 'naive-bounded' }, fewest],
    [{ kind: 'web-stream' }, fewest],
    [{ kind: 'threads' }, fewer],
    [{ kind: 'batched' }, full],
    [{ kind: 'worker-readable', highWaterMark: 1 }, fewest],
    [{ kind: 'worker-readable', highWaterMark: 16 }, full],
    [{ kind: 'worker-readable', highWaterMark: 64 }, full],
    [{ kind: 'worker-readable', highWaterMark: 256 }, full],
    // A bounded heap sends each value alone, so that running out of memory loses nothing: what that costs.
    [{ kind: 'worker-readable', highWaterMark: 64, boundedHeapMb: 512 }, fewer],
  ];
}

function contender([transport, items]: [Transport, number], quick: boolean): Contender {
  const params: PipeParams = { transport, source: 'smallObjects', items, warmupItems: warmupItems(items, quick) };
  return { label: describe(transport), module: PIPE, trial: 'pipe', params };
}

/** The SPEC's targets for this row, checked against medians of this run. */
function targets(transport: Transport, rate: number, cpu: number, ceiling: number, naive: number): string {
  if (transport.kind !== 'worker-readable' || transport.boundedHeapMb !== undefined) return '';
  const checks: string[] = [];
  if (transport.highWaterMark === 256) checks.push(check(rate >= 0.45 * ceiling, '≥0.45× in-thread'));
  if (transport.highWaterMark === 64) checks.push(check(rate >= 0.3 * ceiling, '≥0.30× in-thread'));
  if (transport.highWaterMark >= 64) checks.push(check(rate >= 4 * naive, '≥4× naive'));
  if (transport.highWaterMark === 256) checks.push(check(cpu <= 350, 'CPU ≤350 ns'));
  return checks.join(', ');
}

export default async function throughput(options: ScenarioOptions): Promise<ScenarioResult> {
  const plan = lineup(options.quick);
  const contenders = plan.map((entry) => contender(entry, options.quick));
  const samples = await interleave(contenders, {
    name: 'throughput',
    quick: options.quick,
    reps: repetitions(options, 5),
    warmup: options.quick ? null : (entry) => ({ ...(entry.params as PipeParams), items: 1_000, warmupItems: 100 }),
  });
  const rates: Summary[] = samples.map((list) => summarize(series(list, 'itemsPerSec')));
  const cpus: Summary[] = samples.map((list) => summarize(series(list, 'cpuNsPerItem')));
  const ceiling = rates[0]?.median ?? Number.NaN;
  const naive = rates[1]?.median ?? Number.NaN;
  const rows = plan.map(([transport, items], index) => {
    const rate = rates[index] as Summary;
    const cpu = cpus[index] as Summary;
    return [
      describe(transport),
      formatCount(items),
      formatSummary(rate, rateUnit(rate.median)),
      formatRatio(rate.median / ceiling),
      formatRatio(rate.median / naive),
      formatSummary(cpu, NS),
      targets(transport, rate.median, cpu.median, ceiling, naive),
    ];
  });
  return {
    name: 'throughput',
    title: 'Throughput: small objects {path, type, depth} from a generator into a Writable',
    columns: ['contender', 'items', 'items/s (min–max)', '× in-thread', '× naive', 'main CPU/item (min–max)', 'target'],
    rows,
    notes: [
      'Each measurement: a fresh child process, a warm-up pass on a fresh stream/worker, gc, then the measured pass.',
      'items/s counts from the first item reaching the Writable to the last (thread start-up excluded: see start-stop).',
      'main CPU/item = main-thread event-loop busy time over that window / items (ELU × wall / items).',
      'Ratios and checks compare medians of this run.',
    ],
    data: contenders.map((entry, index) => ({
      label: entry.label,
      params: entry.params,
      itemsPerSec: rates[index],
      cpuNsPerItem: cpus[index],
      samples: samples[index],
    })),
  };
}
