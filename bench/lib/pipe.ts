/**
 * The throughput trial shared by the throughput and larger-items scenarios: a contender's stream piped
 * into a Writable that only counts, timed from the first item to the last.
 */
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SourceName } from '../workers/spec.js';
import { openContender, type Transport } from './contenders.js';
import { settle, UtilizationWindow } from './loop.js';
import type { Sample } from './types.js';

/** Parameters of {@link pipe}. `source` is an iterator of sources.ts taking the item count. */
export interface PipeParams {
  transport: Transport;
  source: SourceName;
  items: number;
  /** Items of the warm-up pass, run on a fresh stream (and worker) before the measured one. */
  warmupItems: number;
}

/** Counts items; the clock and the event-loop utilisation start at the first item and stop at the last. */
class CountingSink extends Writable {
  count = 0;
  firstAt = 0;
  lastAt = 0;
  activeMs = 0;
  #window: UtilizationWindow | null = null;

  constructor() {
    super({ objectMode: true });
  }

  override _write(_chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.count++ === 0) {
      this.firstAt = performance.now();
      this.#window = new UtilizationWindow();
    }
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.lastAt = performance.now();
    this.activeMs = this.#window?.stop().activeMs ?? 0;
    callback();
  }
}

interface Pass {
  items: number;
  /** From the first item to the last: steady-state streaming, without the thread's start. */
  ms: number;
  /** From opening the contender to the last item: includes the thread's start. */
  totalMs: number;
  /** Main-thread busy time over `ms`. */
  activeMs: number;
}

async function pass(params: PipeParams, items: number): Promise<Pass> {
  const openedAt = performance.now();
  const opened = await openContender(params.transport, { source: params.source, args: [items] });
  const sink = new CountingSink();
  await pipeline(opened.stream, sink);
  await opened.release();
  if (sink.count !== items) throw new Error(`expected ${items} items, the sink received ${sink.count}`);
  return { items, ms: sink.lastAt - sink.firstAt, totalMs: sink.lastAt - openedAt, activeMs: sink.activeMs };
}

/** Trial: a warm-up pass, then the measured pass. Items/s and CPU/item count the items after the first. */
export async function pipe(params: PipeParams): Promise<Sample> {
  if (params.warmupItems > 0) await pass(params, params.warmupItems);
  await settle();
  const measured = await pass(params, params.items);
  const timed = measured.items - 1;
  return {
    items: measured.items,
    ms: measured.ms,
    totalMs: measured.totalMs,
    itemsPerSec: timed / (measured.ms / 1000),
    cpuNsPerItem: (measured.activeMs * 1e6) / timed,
    utilization: measured.activeMs / measured.ms,
  };
}
