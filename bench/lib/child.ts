/**
 * The entry of a measuring child process: `node --expose-gc child.js <module URL> <export> <params JSON>`.
 * Runs one trial (an exported async function of a bench module) and sends its sample to the parent over
 * IPC. Each measurement gets a fresh process, so no contender inherits another's JIT feedback, heap or
 * leftover threads.
 */
import type { Sample } from './types.js';

/** Parameters arrive as JSON: plain data only. */
type Trial = (params: unknown) => Promise<Sample>;

export type ChildReport = { ok: true; sample: Sample } | { ok: false; error: string };

function send(report: ChildReport): void {
  // Exit once the report is out: a contender that leaves a thread or handle behind must not hang the run.
  process.send?.(report, () => process.exit(report.ok ? 0 : 1));
}

async function main(): Promise<void> {
  const [moduleUrl, exportName, paramsJson] = process.argv.slice(2);
  if (moduleUrl === undefined || exportName === undefined || paramsJson === undefined) {
    throw new Error('usage: child.js <module URL> <export> <params JSON>');
  }
  const module = (await import(moduleUrl)) as Record<string, unknown>;
  const trial = module[exportName];
  if (typeof trial !== 'function') throw new Error(`${moduleUrl} has no trial export "${exportName}"`);
  const sample = await (trial as Trial)(JSON.parse(paramsJson));
  send({ ok: true, sample });
}

main().catch((error: unknown) => {
  send({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
});
