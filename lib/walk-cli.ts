#!/usr/bin/env node
/**
 * The `worker-walk` command: `find`'s output from a walk that runs in a worker thread.
 *
 * The walk is `walk()`'s own generator, run by WorkerReadable inside a generator that also formats the
 * output (lib/walk-output.ts): what crosses to this thread is text in large chunks, which the through2
 * stage routes (text to stdout, error records to stderr, counts to the tally). stdout carries only the data
 * (paths, NDJSON entries or the count); messages and progress go to stderr.
 * Exit status: 0 when everything could be read, 1 when something could not (each place said on stderr, as
 * `find` does) or the walk failed, 2 on bad usage.
 * @internal
 * @module
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type Through2 from 'through2';
import { normalizeWalkOptions, type WalkOptions } from './walk-options.js';
import type { OutputChunk, OutputFormat } from './walk-output.js';
import { PROGRESS_CELLS, ProgressCell } from './walk-types.js';
import { WorkerReadable } from './worker-readable.js';

const NAME = 'worker-walk';

const USAGE = `Usage: ${NAME} DIR [options]

Walks DIR in a worker thread and prints what it finds, one path per line, like find.

Options:
  -d, --max-depth N      descend at most N levels below DIR (find -maxdepth N)
  -L, --follow           follow symbolic links (find -L); loops are reported, never followed
  -i, --include GLOB     print only entries matching GLOB (repeatable); a GLOB without "/"
                         matches names at any depth (find -name), one with "/" the path below DIR
  -e, --exclude GLOB     leave out entries matching GLOB and do not enter such directories
                         (repeatable; find -prune)
  -s, --sort             list each directory in name order (reproducible output, one thread)
  -t, --threads N        walk on 1 or 2 threads (default: 2 without --sort on a machine with
                         2 cores or more); with 2, lines of different directories interleave
      --stat             add size, mtimeMs, mode, ino and dev to each entry (with --json)
      --strict           stop at the first place that cannot be read
  -j, --json             print one JSON object per line (NDJSON), error records included
  -0, --null             end each path with a NUL byte instead of a newline (for xargs -0)
  -c, --count            print only the number of entries
      --no-progress      never show progress (shown on stderr when it is a terminal
                         and stdout is not)
  -h, --help             show this help
  -V, --version          show the version

Places that cannot be read are reported on stderr and the walk goes on; the exit status is then 1.
Exit status: 0 all read, 1 something could not be read or the walk failed, 2 bad usage.`;

const OPTIONS = {
  'max-depth': { type: 'string', short: 'd' },
  follow: { type: 'boolean', short: 'L' },
  include: { type: 'string', short: 'i', multiple: true },
  exclude: { type: 'string', short: 'e', multiple: true },
  sort: { type: 'boolean', short: 's' },
  threads: { type: 'string', short: 't' },
  stat: { type: 'boolean' },
  strict: { type: 'boolean' },
  json: { type: 'boolean', short: 'j' },
  null: { type: 'boolean', short: '0' },
  count: { type: 'boolean', short: 'c' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

const OUTPUT_WORKER = new URL('./walk-output.js', import.meta.url);
const PROGRESS_INTERVAL_MS = 200;
/** Output chunks (of up to 64 KiB each) queued between the threads. */
const HIGH_WATER_MARK = 4;
const CLEAR_LINE = '\r\x1b[2K';

type Done = (error?: Error | null, data?: unknown) => void;

interface Command {
  readonly root: string;
  readonly walk: WalkOptions;
  readonly format: OutputFormat;
  readonly progress: boolean;
  /** Threads walking the tree: 2 shares the walk with a helper thread (walk-share.ts). */
  readonly threads: number;
}

/** What the run has seen, for the exit status and the progress line. */
interface Tally {
  entries: number;
  errors: number;
}

class UsageError extends Error {}

function integer(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`--${flag} takes a whole number, not '${text}'`);
  return Number(text);
}

function parseCommand(argv: string[]): Command | 'help' | 'version' {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    // Node's message goes on with advice about '--'; its first sentence is the one-line message.
    throw new UsageError(((error as Error).message.split(/\.(?:\s|$)/)[0] ?? '').toLowerCase());
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (values.version) return 'version';
  if (positionals.length === 0) throw new UsageError('missing DIR');
  if (positionals.length > 1) throw new UsageError(`one DIR only, got ${positionals.length}`);
  const formats = [values.json, values.count, values.null].filter(Boolean).length;
  if (formats > 1) throw new UsageError('--json, --null and --count exclude each other');
  const walkOptions: WalkOptions = {
    followSymlinks: values.follow ?? false,
    sort: values.sort ?? false,
    stat: values.stat ?? false,
    strict: values.strict ?? false,
    ...(values.include && { include: values.include }),
    ...(values.exclude && { exclude: values.exclude }),
    ...(values['max-depth'] !== undefined && { maxDepth: integer('max-depth', values['max-depth']) }),
  };
  const format = values.json ? 'json' : values.count ? 'count' : values.null ? 'null' : 'lines';
  let threads = !walkOptions.sort && availableParallelism() >= 2 ? 2 : 1;
  if (values.threads !== undefined) {
    threads = integer('threads', values.threads);
    if (threads !== 1 && threads !== 2) throw new UsageError(`--threads takes 1 or 2, not ${threads}`);
    if (threads === 2 && walkOptions.sort) throw new UsageError('--sort walks on one thread: not with --threads 2');
  }
  const stderrIsTerminal = process.stderr.isTTY === true;
  return {
    root: positionals[0] as string,
    walk: walkOptions,
    format,
    threads,
    // Never on the terminal stdout writes to: the progress line would land between the paths.
    progress: !values['no-progress'] && stderrIsTerminal && (format === 'count' || process.stdout.isTTY !== true),
  };
}

function message(text: string, progress: boolean): void {
  process.stderr.write(`${progress ? CLEAR_LINE : ''}${NAME}: ${text}\n`);
}

/** The through2 stage: output chunks in, their text out; error records to stderr, counts to the tally. */
function formatter(through2: typeof Through2, command: Command, tally: Tally) {
  return through2.obj(
    function route(chunk: OutputChunk, _encoding: BufferEncoding, done: Done) {
      tally.entries += chunk.entries;
      for (const record of chunk.errors) {
        tally.errors++;
        message(record.error.message, command.progress);
      }
      done(null, chunk.text === '' ? undefined : chunk.text);
    },
    function flush(this: { push(chunk: unknown): boolean }, done: Done) {
      if (command.format === 'count') this.push(`${tally.entries}\n`);
      done();
    },
  );
}

function formatRate(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Redraws the progress line on stderr; returns the function that stops it and clears the line. */
function showProgress(progress: Int32Array, tally: Tally): () => void {
  const started = performance.now();
  const draw = () => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? tally.entries / seconds : 0;
    const pending = Atomics.load(progress, ProgressCell.PENDING);
    process.stderr.write(
      `${CLEAR_LINE}${formatRate(tally.entries)} entries  ${formatRate(rate)}/s  ${formatRate(pending)} directories pending`,
    );
  };
  const timer = setInterval(draw, PROGRESS_INTERVAL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    process.stderr.write(CLEAR_LINE);
  };
}

function version(): string {
  // dist/walk-cli.js sits one level below package.json, in a checkout as in an installed package.
  const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
  return pkg.version;
}

function isBrokenPipe(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'EPIPE';
}

/** pipeline reports stdout's errors, and destroys stdout with the walk's own error when the walk fails: this
 * listener only keeps a late one (a reader that went away after the last write) from being a crash. On the
 * walk's stream, it keeps one from before pipeline() is attached from being a crash: pipeline reports it. */
function onStdoutError(): void {}

async function run(argv: string[]): Promise<number> {
  let command: Command | 'help' | 'version';
  let stream: WorkerReadable<OutputChunk>;
  const progress = new Int32Array(new SharedArrayBuffer(PROGRESS_CELLS * Int32Array.BYTES_PER_ELEMENT));
  try {
    command = parseCommand(argv);
    if (command === 'help' || command === 'version') {
      process.stdout.write(`${command === 'help' ? USAGE : `${NAME} ${version()}`}\n`);
      return 0;
    }
    const { task } = normalizeWalkOptions(command.root, command.walk);
    stream = new WorkerReadable(OUTPUT_WORKER, {
      export: 'walkOutput',
      args: [{ ...task, progress: progress.buffer as SharedArrayBuffer }, command.format, command.threads],
      highWaterMark: HIGH_WATER_MARK,
      worker: { name: NAME },
    });
  } catch (error) {
    const text = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_INVALID_ARG');
    if (!text) throw error;
    message(`${(error as Error).message} (see ${NAME} --help)`, false);
    return 2;
  }
  const tally: Tally = { entries: 0, errors: 0 };
  const stopProgress = command.progress ? showProgress(progress, tally) : null;
  process.stdout.on('error', onStdoutError);
  try {
    // Loaded while the worker thread boots (through2 brings a whole stream library: about 20 ms), not before.
    // An error the stream meets meanwhile must not be uncaught: pipeline() finds it on the stream and rejects.
    stream.on('error', onStdoutError);
    const { default: through2 } = await import('through2');
    await pipeline(stream, formatter(through2, command, tally), process.stdout);
  } catch (error) {
    stopProgress?.();
    if (isBrokenPipe(error)) return tally.errors > 0 ? 1 : 0;
    message((error as Error).message.split('\n')[0] ?? String(error), false);
    return 1;
  }
  stopProgress?.();
  return tally.errors > 0 ? 1 : 0;
}

process.exitCode = await run(process.argv.slice(2));
