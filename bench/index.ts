/**
 * `npm run bench [-- --quick] [-- --only NAME] [-- --reps N]`: runs the scenarios, prints one table each,
 * and writes the same figures with the machine's description to bench/results/latest.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import larger from './larger-items.js';
import latency from './latency.js';
import { renderTable } from './lib/format.js';
import { describeMachine, machine } from './lib/machine.js';
import { clearNote } from './lib/trial.js';
import type { Scenario, ScenarioResult } from './lib/types.js';
import memory from './memory.js';
import responsiveness from './responsiveness.js';
import startStop from './start-stop.js';
import throughput from './throughput.js';
import walk from './walk.js';

/** Every scenario, in the order a full run goes through them. Add new ones here. */
const SCENARIOS: Record<string, Scenario> = {
  throughput,
  'larger-items': larger,
  latency,
  responsiveness,
  'start-stop': startStop,
  memory,
  walk,
  // A real tree: /usr (about 140,000 entries here); --quick walks the small directory node is in.
  'walk-usr': (options) => walk({ ...options, root: options.quick ? dirname(process.execPath) : '/usr' }),
};

const RESULTS = new URL('../../bench/results/', import.meta.url);

function parse(): { quick: boolean; only: string[]; reps: number | undefined } {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true, default: [] },
      reps: { type: 'string' },
    },
  });
  const only = values.only.flatMap((names) => names.split(','));
  for (const name of only) {
    if (!(name in SCENARIOS))
      throw new Error(`unknown scenario "${name}"; known: ${Object.keys(SCENARIOS).join(', ')}`);
  }
  const reps = values.reps === undefined ? undefined : Number(values.reps);
  if (reps !== undefined && !(Number.isInteger(reps) && reps > 0)) throw new Error('--reps takes a positive integer');
  return { quick: values.quick, only, reps };
}

function print(result: ScenarioResult, seconds: number): void {
  clearNote();
  const lines = [renderTable(result.title, result.columns, result.rows), ''];
  for (const line of result.notes ?? []) lines.push(`  ${line}`);
  lines.push(`  (${result.name}: ${seconds.toFixed(1)} s)`, '');
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  const args = parse();
  const info = machine();
  const startedAt = Date.now();
  process.stdout.write(`# worker-readable bench${args.quick ? ' (--quick: a smoke test, not a measurement)' : ''}\n`);
  process.stdout.write(`${describeMachine(info)}\n\n`);
  const names = args.only.length > 0 ? args.only : Object.keys(SCENARIOS);
  const results: (ScenarioResult & { seconds: number })[] = [];
  const failures: { name: string; error: string }[] = [];
  for (const name of names) {
    const scenario = SCENARIOS[name] as Scenario;
    const began = Date.now();
    try {
      const options = args.reps === undefined ? { quick: args.quick } : { quick: args.quick, reps: args.reps };
      const result = await scenario(options);
      const seconds = (Date.now() - began) / 1000;
      print(result, seconds);
      results.push({ ...result, seconds });
    } catch (error) {
      clearNote();
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stdout.write(`## ${name}: FAILED\n\n${text}\n\n`);
      failures.push({ name, error: text });
    }
  }
  const seconds = (Date.now() - startedAt) / 1000;
  process.stdout.write(`Total: ${seconds.toFixed(1)} s\n`);
  mkdirSync(RESULTS, { recursive: true });
  const report = { machine: info, quick: args.quick, argv: process.argv.slice(2), seconds, results, failures };
  writeFileSync(new URL('latest.json', RESULTS), `${JSON.stringify(report, null, 2)}\n`);
  if (failures.length > 0) process.exitCode = 1;
}

await main();
