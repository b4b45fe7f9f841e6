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

/** What the walker yields for an entry found in a directory listing, in the worker only. */
export class Listed {
  constructor(
    readonly parent: Parent,
    readonly name: string,
    readonly type: number,
    readonly stats: Stats | undefined,
  ) {}
}

/** An {@link Entry}, or with `stats` a {@link StatEntry}, built in the worker (the root, and `expand`). */
export function makeEntry(path: string, name: string, type: EntryType, depth: number, stats: Stats | undefined): Entry {
  if (stats === undefined) return { path, name, type, depth };
  const { size, mtimeMs, mode, ino, dev } = stats;
  const entry: StatEntry = { path, name, type, depth, size, mtimeMs, mode, ino, dev };
  return entry;
}

/** The item a consumer sees for what the walker yielded, built in the worker (the command's formatter). */
export function expand<T>(item: T | Listed): T | Entry {
  if (!(item instanceof Listed)) return item;
  const { parent, name } = item;
  return makeEntry(parent.prefix + name, name, TYPES[item.type] as EntryType, parent.depth, item.stats);
}

/** One batch, packed. Listed entries and other items are interleaved back by position. */
export interface PackedWalk {
  /** One per distinct parent in the batch. */
  readonly prefixes: string[];
  readonly depths: number[];
  /** Pairs: the index of a parent in `prefixes`, and how many consecutive listed entries it has. */
  readonly runs: number[];
  /** The listed entries' names, in order. */
  readonly names: string[];
  /** One {@link TypeCode} per listed entry. */
  readonly types: Uint8Array;
  /** `size`, `mtimeMs`, `mode`, `ino`, `dev` per listed entry; null without `stat`. */
  readonly stats: Float64Array | null;
  /** Items that are not listed entries, as themselves, and their positions in the batch. */
  readonly others: unknown[];
  readonly otherAt: number[];
}

/** Worker side: packs a batch of what the walker yielded. */
export function packWalk(items: readonly unknown[]): PackedWalk {
  const prefixes: string[] = [];
  const depths: number[] = [];
  const runs: number[] = [];
  const names: string[] = [];
  const types = new Uint8Array(items.length);
  let stats: Float64Array | null = null;
  const others: unknown[] = [];
  const otherAt: number[] = [];
  const slots = new Map<Parent, number>();
  let parent: Parent | null = null;
  let run = -1;
  for (let at = 0; at < items.length; at++) {
    const item = items[at];
    if (!(item instanceof Listed)) {
      others.push(item);
      otherAt.push(at);
      continue;
    }
    if (item.parent !== parent) {
      parent = item.parent;
      let slot = slots.get(parent);
      if (slot === undefined) {
        slot = prefixes.length;
        slots.set(parent, slot);
        prefixes.push(parent.prefix);
        depths.push(parent.depth);
      }
      runs.push(slot, 0);
      run = runs.length - 1;
    }
    runs[run] = (runs[run] as number) + 1;
    const index = names.length;
    names.push(item.name);
    types[index] = item.type;
    const entryStats = item.stats;
    if (index === 0 && entryStats !== undefined) stats = new Float64Array(items.length * STAT_FIELDS);
    if ((entryStats === undefined) !== (stats === null)) {
      throw new Error('worker-readable internal error: a walk batch mixes entries with and without stats');
    }
    if (entryStats !== undefined && stats !== null) {
      const base = index * STAT_FIELDS;
      stats[base] = entryStats.size;
      stats[base + 1] = entryStats.mtimeMs;
      stats[base + 2] = entryStats.mode;
      stats[base + 3] = entryStats.ino;
      stats[base + 4] = entryStats.dev;
    }
  }
  return { prefixes, depths, runs, names, types, stats, others, otherAt };
}

/** Main side: rebuilds the batch's items, in order, and hands each to `emit`. */
export function unpackWalk(packed: PackedWalk, emit: (item: unknown) => void): void {
  const { prefixes, depths, runs, names, types, stats, others, otherAt } = packed;
  const total = names.length + others.length;
  let other = 0;
  let nextOther = otherAt.length > 0 ? (otherAt[0] as number) : -1;
  let run = 0;
  let left = 0;
  let prefix = '';
  let depth = 0;
  let listed = 0;
  for (let at = 0; at < total; at++) {
    if (at === nextOther) {
      emit(others[other++]);
      nextOther = other < otherAt.length ? (otherAt[other] as number) : -1;
      continue;
    }
    while (left === 0) {
      const slot = runs[run++] as number;
      left = runs[run++] as number;
      prefix = prefixes[slot] as string;
      depth = depths[slot] as number;
    }
    left--;
    const name = names[listed] as string;
    const type = TYPES[types[listed] as number] as EntryType;
    if (stats === null) {
      const entry: Entry = { path: prefix + name, name, type, depth };
      emit(entry);
    } else {
      const base = listed * STAT_FIELDS;
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
      emit(entry);
    }
    listed++;
  }
}
