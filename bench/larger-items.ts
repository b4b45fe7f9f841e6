/**
 * Scenario 2, larger items: the throughput pipeline with 1 KiB strings and with 64 KiB `Uint8Array`s, where
 * copying the bytes, not the per-message overhead, is the cost. Figures: items/s and bytes/s.
 */
import { describe, type Transport } from './lib/contenders.js';
import { byteRateUnit, formatCount, formatRatio, formatSummary, NS, rateUnit } from './lib/format.js';
import type { PipeParams } from './lib/pipe.js';
import { repetitions, warmupItems } from './lib/scenario.js';
import { type Summary, summarize } from './lib/stats.js';
import { type Contender, interleave, series } from './lib/trial.js';
import type { ScenarioOptions, ScenarioResult } from './lib/types.js';
import type { SourceName } from './workers/spec.js';

const PIPE = new URL('./lib/pipe.js', import.meta.url).href;

const TRANSPORTS: Transport[] = [
  { kind: 'in-thread' },
  { kind: 'naive' },
  { kind: 'worker-readable', highWaterMark: 16 },
  { kind: 'worker-readable', highWaterMark: 64 },
  { kind: 'worker-readable', highWaterMark: 256 },
];

interface Kind {
  label: string;
  source: SourceName;
  bytes: number;
  items: number;
}

function kinds(quick: boolean): Kind[] {
  return [
    { label: '1 KiB string', source: 'strings1k', bytes: 1024, items: quick ? 500 : 200_000 },
    { label: '64 KiB Uint8Array', source: 'bytes64k', bytes: 65536, items: quick ? 50 : 20_000 },
  ];
}

function contenders(kind: Kind, quick: boolean): Contender[] {
  return TRANSPORTS.map((transport) => {
    const params: PipeParams = {
      transport,
      source: kind.source,
      items: kind.items,
      warmupItems: warmupItems(kind.items, quick),
    };
    return { label: `${kind.label}, ${describe(transport)}`, module: PIPE, trial: 'pipe', params };
  });
}

export default async function largerItems(options: ScenarioOptions): Promise<ScenarioResult> {
  const rows: (string | number)[][] = [];
  const data: unknown[] = [];
  for (const kind of kinds(options.quick)) {
    const lineup = contenders(kind, options.quick);
    const samples = await interleave(lineup, {
      name: `larger-items (${kind.label})`,
      quick: options.quick,
      reps: repetitions(options, 5),
      warmup: options.quick ? null : (entry) => ({ ...(entry.params as PipeParams), items: 100, warmupItems: 10 }),
    });
    const rates: Summary[] = samples.map((list) => summarize(series(list, 'itemsPerSec')));
    const bytes: Summary[] = samples.map((list) =>
      summarize(series(list, 'itemsPerSec').map((rate) => rate * kind.bytes)),
    );
    const cpus: Summary[] = samples.map((list) => summarize(series(list, 'cpuNsPerItem')));
    const ceiling = rates[0]?.median ?? Number.NaN;
    const byteUnit = byteRateUnit((bytes[0]?.median ?? Number.NaN) / 10);
    TRANSPORTS.forEach((transport, index) => {
      const rate = rates[index] as Summary;
      rows.push([
        kind.label,
        describe(transport),
        formatCount(kind.items),
        formatSummary(rate, rateUnit(rate.median)),
        formatSummary(bytes[index] as Summary, byteUnit),
        formatRatio(rate.median / ceiling),
        formatSummary(cpus[index] as Summary, NS),
      ]);
      data.push({
        label: lineup[index]?.label,
        params: lineup[index]?.params,
        itemsPerSec: rate,
        bytesPerSec: bytes[index],
        cpuNsPerItem: cpus[index],
        samples: samples[index],
      });
    });
  }
  return {
    name: 'larger-items',
    title: 'Larger items: 1 KiB strings and 64 KiB Uint8Arrays into a Writable',
    columns: ['item', 'contender', 'items', 'items/s (min–max)', 'bytes/s (min–max)', '× in-thread', 'main CPU/item'],
    rows,
    notes: [
      'Same method as throughput: fresh child process, warm-up pass, items timed from the first to the last.',
      'Items are cloned (copied) across threads; none is transferred. 1 MB = 10^6 bytes.',
    ],
    data,
  };
}
