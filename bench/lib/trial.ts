/**
 * The parent side of a measurement: runs trials in fresh child processes, one at a time, contenders
 * interleaved round-robin, and gathers their samples.
 */
import { fork } from 'node:child_process';
import type { ChildReport } from './child.js';
import type { Sample } from './types.js';

const CHILD = new URL('./child.js', import.meta.url);

/** One contender of a scenario: a trial (an export of `module`) and its parameters. */
export interface Contender {
  /** Row label, unique within the scenario. */
  label: string;
  /** `import.meta.url` of the module that exports the trial. */
  module: string;
  /** Name of the exported trial function. */
  trial: string;
  /** Plain data: it reaches the child as JSON. */
  params: unknown;
}

/** Kills a trial that takes longer than this: a hung contender must not hang CI. */
const TIMEOUT_MS = { quick: 60_000, full: 600_000 };

let progress = '';

/** Writes a one-line progress note to stderr (tables go to stdout). */
export function note(message: string): void {
  if (process.stderr.isTTY) {
    process.stderr.write(`\r\x1b[K${message}`);
    progress = message;
  } else {
    process.stderr.write(`${message}\n`);
  }
}

/** Clears the progress line before a table is printed. */
export function clearNote(): void {
  if (progress !== '' && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  progress = '';
}

/** Runs one trial in a fresh `node --expose-gc` child process and resolves to its sample. */
export function runTrial(contender: Contender, quick: boolean): Promise<Sample> {
  const args = [contender.module, contender.trial, JSON.stringify(contender.params)];
  const child = fork(CHILD, args, { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let report: ChildReport | null = null;
    const timer = setTimeout(() => child.kill('SIGKILL'), quick ? TIMEOUT_MS.quick : TIMEOUT_MS.full);
    child.on('message', (message: ChildReport) => {
      report = message;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const what = `${contender.label} (${contender.trial})`;
      if (report?.ok) resolve(report.sample);
      else if (report !== null) reject(new Error(`${what} failed:\n${report.error}`));
      else reject(new Error(`${what}: child exited with ${signal ?? code} before reporting (timeout?)`));
    });
  });
}

export interface InterleaveOptions {
  quick: boolean;
  /** Measured repetitions: each runs every contender once. */
  reps: number;
  /** Scenario name, for progress notes. */
  name: string;
  /** Parameters for one discarded round first (small inputs), or null for none: it warms the OS's file
   * cache and the CPU, so the first measured contender is not the only one paying for a cold machine. */
  warmup: ((contender: Contender) => unknown) | null;
}

/**
 * Runs every contender `reps` times, round-robin: each repetition runs each contender once, and the order
 * rotates by one each repetition, so drift of a busy machine and order effects spread over all contenders.
 * Returns the samples per contender, in repetition order.
 */
export async function interleave(contenders: readonly Contender[], options: InterleaveOptions): Promise<Sample[][]> {
  const samples: Sample[][] = contenders.map(() => []);
  if (options.warmup !== null) {
    for (const [index, contender] of contenders.entries()) {
      note(`${options.name}: warm-up round ${index + 1}/${contenders.length}: ${contender.label}`);
      await runTrial({ ...contender, params: options.warmup(contender) }, options.quick);
    }
  }
  for (let rep = 0; rep < options.reps; rep++) {
    for (let step = 0; step < contenders.length; step++) {
      const index = (rep + step) % contenders.length;
      const contender = contenders[index] as Contender;
      note(`${options.name}: repetition ${rep + 1}/${options.reps}: ${contender.label}`);
      (samples[index] as Sample[]).push(await runTrial(contender, options.quick));
    }
  }
  return samples;
}

/** One figure of a sample; throws if a trial did not report it, so a typo cannot read as zero. */
export function figure(sample: Sample, key: string): number {
  const value = sample[key];
  if (typeof value !== 'number') throw new Error(`sample has no number "${key}": ${JSON.stringify(sample)}`);
  return value;
}

/** A list figure of a sample. */
export function figures(sample: Sample, key: string): number[] {
  const value = sample[key];
  if (!Array.isArray(value)) throw new Error(`sample has no list "${key}": ${JSON.stringify(sample)}`);
  return value;
}

/** The same figure over all samples of one contender. */
export function series(samples: readonly Sample[], key: string): number[] {
  return samples.map((sample) => figure(sample, key));
}
