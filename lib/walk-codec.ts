/**
 * The walker's batch codec (a `Packing`, see protocol.ts): entries cross the thread boundary as columns.
 *
 * Structured clone of a batch of `{ path, name, type, depth }` objects copies every path in full (a path
 * built by concatenation is first flattened), every type string, and every key: that was most of the
 * worker's time after `readdirSync` itself. Packed, a batch is its directories' prefixes and depths once
 * each, the names exactly as `readdirSync` returned them, one byte of type per entry and, with `stat`, five
 * numbers per entry; the main thread rebuilds the very same objects, with `path` as `prefix + name`.
 * Anything else the walker yields (the root's entry, error records) rides along as itself.
 *
 * Both threads import this file.
 * @internal
 * @module
 */
import type { Stats } from 'node:fs';
import { errors } from './errors.js';
import type { Entry, EntryType, StatEntry } from './walk-types.js';

/** The part of a directory being walked that its listed entries need. */
export interface Parent {
  /** The directory's path and a `/`: an entry's path is `prefix + name`. */
  readonly prefix: string;
  /** The depth of the directory's entries. */
  readonly depth: number;
}

const TYPES: readonly EntryType[] = ['file', 'directory', 'symlink', 'other'];

/** The byte that stands for each type. */
export const TypeCode: Readonly<Record<EntryType, number>> = Object.freeze({
  file: 0,
  directory: 1,
  symlink: 2,
  other: 3,
});

/** Numbers per entry in {@link PackedWalk.stats}. */
const STAT_FIELDS = 5;

/** An {@link Entry}, or with `stats` a {@link StatEntry}, built in the worker (the root's entry). */
export function makeEntry(path: string, name: string, type: EntryType, depth: number, stats: Stats | undefined): Entry {
  if (stats === undefined) return { path, name, type, depth };
  const { size, mtimeMs, mode, ino, dev } = stats;
  const entry: StatEntry = { path, name, type, depth, size, mtimeMs, mode, ino, dev };
  return entry;
}

/** The columns a chunk and a packed batch share; see {@link PackedWalk}. */
interface Columns {
  readonly prefixes: readonly string[];
  readonly depths: readonly number[];
  readonly runs: readonly number[];
  readonly names: readonly string[];
  readonly types: ArrayLike<number>;
  /** Empty or null without `stat`. */
  readonly stats: ArrayLike<number> | null;
  readonly others: readonly unknown[];
  readonly otherAt: readonly number[];
}

/**
 * What the walker yields, in the worker: consecutive items of the walk, listed entries in columns and
 * anything else (the root's entry, error records) as itself at its position. One chunk stands for
 * {@link WalkChunk.count} items: the transport counts its credit in those (see `Packing.sizer`).
 */
export class WalkChunk implements Columns {
  readonly prefixes: string[] = [];
  readonly depths: number[] = [];
  readonly runs: number[] = [];
  readonly names: string[] = [];
  readonly types: number[] = [];
  /** {@link STAT_FIELDS} numbers per listed entry, with `stat`; empty otherwise. */
  readonly stats: number[] = [];
  readonly others: unknown[] = [];
  readonly otherAt: number[] = [];
  /** Items in the chunk: listed entries and others. */
  count = 0;
  /** A shared walk is about to hand work to its other thread: the command's formatter sends out what it
   * holds first (walk-share.ts). */
  urgent = false;
  #parent: Parent | null = null;

  /** Adds an entry of `parent`'s listing; `stats` only with the `stat` option. */
  addListed(parent: Parent, name: string, type: number, stats: Stats | undefined): void {
    const runs = this.runs;
    if (parent !== this.#parent) {
      // A parent left for a subdirectory and returned to gets a slot again: rare, and cheaper than a map.
      this.#parent = parent;
      runs.push(this.prefixes.length, 0);
      this.prefixes.push(parent.prefix);
      this.depths.push(parent.depth);
    }
    runs[runs.length - 1] = (runs[runs.length - 1] as number) + 1;
    this.names.push(name);
    this.types.push(type);
    if (stats !== undefined) this.stats.push(stats.size, stats.mtimeMs, stats.mode, stats.ino, stats.dev);
    this.count++;
  }

  /** Adds an item that is not a listed entry. */
  addOther(item: unknown): void {
    this.others.push(item);
    this.otherAt.push(this.count++);
  }
}

/** How many items a chunk stands for (the walker's `Packing.sizer`). */
export function walkChunkSize(chunk: WalkChunk): number {
  return chunk.count;
}

/** One batch, packed. Listed entries and other items are interleaved back by position. */
export interface PackedWalk extends Columns {
  /** One per run of listed entries with the same parent (a parent may have several). */
  readonly prefixes: string[];
  readonly depths: number[];
  /** Pairs: the index of a parent in `prefixes`, and how many consecutive listed entries it has. */
  readonly runs: number[];
  /** The listed entries' names, exactly as `readdirSync` gave them, in order. */
  readonly names: string[];
  /** One {@link TypeCode} per listed entry. */
  readonly types: Uint8Array;
  /** `size`, `mtimeMs`, `mode`, `ino`, `dev` per listed entry; null without `stat`. */
  readonly stats: Float64Array | null;
  /** Items that are not listed entries, as themselves, and their positions in the batch. */
  readonly others: unknown[];
  readonly otherAt: number[];
}

function pushAll<T>(target: T[], source: readonly T[]): void {
  for (const value of source) target.push(value);
}

/** Worker side: packs a batch of the walker's chunks into one. */
export function packWalk(chunks: readonly WalkChunk[]): PackedWalk {
  const prefixes: string[] = [];
  const depths: number[] = [];
  const runs: number[] = [];
  const names: string[] = [];
  const types: number[] = [];
  const stats: number[] = [];
  const others: unknown[] = [];
  const otherAt: number[] = [];
  let base = 0;
  for (const chunk of chunks) {
    const slots = prefixes.length;
    pushAll(prefixes, chunk.prefixes);
    pushAll(depths, chunk.depths);
    for (let at = 0; at < chunk.runs.length; at += 2)
      runs.push((chunk.runs[at] as number) + slots, chunk.runs[at + 1] as number);
    pushAll(names, chunk.names);
    pushAll(types, chunk.types);
    pushAll(stats, chunk.stats);
    pushAll(others, chunk.others);
    for (const at of chunk.otherAt) otherAt.push(at + base);
    base += chunk.count;
  }
  if (stats.length !== 0 && stats.length !== names.length * STAT_FIELDS) {
    throw errors.internal('a walk batch mixes entries with and without stats');
  }
  return {
    prefixes,
    depths,
    runs,
    names,
    types: Uint8Array.from(types),
    stats: stats.length === 0 ? null : Float64Array.from(stats),
    others,
    otherAt,
  };
}

/**
 * Visits the items of a chunk or a packed batch in order: `listed` with each listed entry's parent prefix,
 * depth and index in the columns, `other` with each other item.
 */
export function visitWalk(
  columns: Columns,
  listed: (prefix: string, depth: number, index: number) => void,
  other: (item: unknown) => void,
): void {
  const { prefixes, depths, runs, names, others, otherAt } = columns;
  const total = names.length + others.length;
  let nextOther = 0;
  let otherPosition = otherAt.length > 0 ? (otherAt[0] as number) : -1;
  let run = 0;
  let left = 0;
  let prefix = '';
  let depth = 0;
  let index = 0;
  for (let at = 0; at < total; at++) {
    if (at === otherPosition) {
      other(others[nextOther++]);
      otherPosition = nextOther < otherAt.length ? (otherAt[nextOther] as number) : -1;
      continue;
    }
    while (left === 0) {
      const slot = runs[run++] as number;
      left = runs[run++] as number;
      prefix = prefixes[slot] as string;
      depth = depths[slot] as number;
    }
    left--;
    listed(prefix, depth, index++);
  }
}

/** The entry a listed entry of `columns` stands for. */
export function listedEntry(columns: Columns, prefix: string, depth: number, index: number): Entry {
  const name = columns.names[index] as string;
  const type = TYPES[columns.types[index] as number] as EntryType;
  const stats = columns.stats;
  if (stats === null || stats.length === 0) {
    const entry: Entry = { path: prefix + name, name, type, depth };
    return entry;
  }
  const base = index * STAT_FIELDS;
  const entry: StatEntry = {
    path: prefix + name,
    name,
    type,
    depth,
    size: stats[base] as number,
    mtimeMs: stats[base + 1] as number,
    mode: stats[base + 2] as number,
    ino: stats[base + 3] as number,
    dev: stats[base + 4] as number,
  };
  return entry;
}

/** Main side: rebuilds the batch's items, in order, and hands each to `emit`. */
export function unpackWalk(packed: PackedWalk, emit: (item: unknown) => void): void {
  visitWalk(packed, (prefix, depth, index) => emit(listedEntry(packed, prefix, depth, index)), emit);
}
