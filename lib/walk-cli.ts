#!/usr/bin/env node
/**
 * The `worker-walk` command: `find`'s output from a walk that runs in a worker thread.
 *
 * stdout carries only the data (paths, NDJSON entries or the count); messages and progress go to stderr.
 * Exit status: 0 when everything could be read, 1 when something could not (each place said on stderr, as
 * `find` does) or the walk failed, 2 on bad usage.
 * @internal
 * @module
 */
import { createRequire } from 'node:module';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import through2 from 'through2';
import { type Entry, type WalkError, type WalkOptions, type WalkStream, walk } from './walk.js';

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
  -s, --sort             list each directory in name order (reproducible output)
      --stat             add size, mtimeMs, mode, ino and dev to each entry (with --json)
      --strict           stop at the first place that cannot be read
  -j, --json             print one JSON object per line (NDJSON), error records included
  -0, --null             end each path with a NUL byte instead of a newline (for xargs -0)
  -c, --count            print only the number of entries
      --high-water-mark N  entries queued between the threads (default 1024)
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
  stat: { type: 'boolean' },
  strict: { type: 'boolean' },
  json: { type: 'boolean', short: 'j' },
  null: { type: 'boolean', short: '0' },
  count: { type: 'boolean', short: 'c' },
  'high-water-mark': { type: 'string' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

/** Output is gathered into chunks of about this many characters: one write per entry would be one system
 * call per entry. */
const CHUNK_CHARS = 64 * 1024;
const PROGRESS_INTERVAL_MS = 200;
/** The command's queue between the threads. Deeper than walk()'s default: a command has no event loop to
 * keep responsive, and at 64 the two threads spend much of the walk waking each other up. */
const HIGH_WATER_MARK = 1024;
const CLEAR_LINE = '\r\x1b[2K';

type Item = Entry | WalkError;
type Done = (error?: Error | null, data?: unknown) => void;

interface Command {
  readonly root: string;
  readonly walk: WalkOptions;
  readonly format: 'lines' | 'json' | 'count';
  readonly separator: string;
  readonly progress: boolean;
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
    highWaterMark:
      values['high-water-mark'] === undefined ? HIGH_WATER_MARK : integer('high-water-mark', values['high-water-mark']),
  };
  const format = values.json ? 'json' : values.count ? 'count' : 'lines';
  const stderrIsTerminal = process.stderr.isTTY === true;
  return {
    root: positionals[0] as string,
    walk: walkOptions,
    format,
    separator: values.null ? '\0' : '\n',
    // Never on the terminal stdout writes to: the progress line would land between the paths.
    progress: !values['no-progress'] && stderrIsTerminal && (format === 'count' || process.stdout.isTTY !== true),
  };
}

function message(text: string, progress: boolean): void {
  process.stderr.write(`${progress ? CLEAR_LINE : ''}${NAME}: ${text}\n`);
}

/** The through2 formatter: entries in, text chunks out. Error records go to stderr as they come. */
function formatter(command: Command, tally: Tally) {
  let buffer = '';
  let scheduled: NodeJS.Immediate | null = null;
  const { format, separator, progress } = command;

  return through2.obj(
    function transform(
      this: { push(chunk: unknown): boolean; destroyed: boolean },
      item: Item,
      _encoding: BufferEncoding,
      done: Done,
    ) {
      if (item.type === 'error') {
        tally.errors++;
        message(item.error.message, progress);
        if (format !== 'json') return done();
      } else {
        tally.entries++;
      }
      if (format === 'count') return done();
      buffer += format === 'json' ? `${JSON.stringify(item)}\n` : item.path + separator;
      if (buffer.length >= CHUNK_CHARS) {
        const chunk = buffer;
        buffer = '';
        return done(null, chunk);
      }
      // What a worker batch brought goes out together, without waiting for a full chunk: a slow walk
      // still shows its entries as they come.
      scheduled ??= setImmediate(() => {
        scheduled = null;
        if (buffer === '' || this.destroyed) return;
        const chunk = buffer;
        buffer = '';
        this.push(chunk);
      });
      done();
    },
    function flush(this: { push(chunk: unknown): boolean }, done: Done) {
      if (scheduled !== null) clearImmediate(scheduled);
      if (format === 'count') this.push(`${tally.entries}\n`);
      else if (buffer !== '') this.push(buffer);
      done();
    },
  );
}

function formatRate(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Redraws the progress line on stderr; returns the function that stops it and clears the line. */
function showProgress(stream: WalkStream, tally: Tally): () => void {
  const started = performance.now();
  const draw = () => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? tally.entries / seconds : 0;
    process.stderr.write(
      `${CLEAR_LINE}${formatRate(tally.entries)} entries  ${formatRate(rate)}/s  ` +
        `${formatRate(stream.directoriesPending)} directories pending`,
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
 * listener only keeps a late one (a reader that went away after the last write) from being a crash. */
function onStdoutError(): void {}

async function run(argv: string[]): Promise<number> {
  let command: Command | 'help' | 'version';
  let stream: WalkStream;
  try {
    command = parseCommand(argv);
    if (command === 'help' || command === 'version') {
      process.stdout.write(`${command === 'help' ? USAGE : `${NAME} ${version()}`}\n`);
      return 0;
    }
    stream = walk(command.root, command.walk);
  } catch (error) {
    const text = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_INVALID_ARG');
    if (!text) throw error;
    message(`${(error as Error).message} (see ${NAME} --help)`, false);
    return 2;
  }
  const tally: Tally = { entries: 0, errors: 0 };
  const stopProgress = command.progress ? showProgress(stream, tally) : null;
  process.stdout.on('error', onStdoutError);
  try {
    await pipeline(stream, formatter(command, tally), process.stdout);
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
