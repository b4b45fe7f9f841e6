/** Measurements of the main thread's event loop: how busy it was, and how long timers waited. */
import { type EventLoopUtilization, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** Event-loop utilisation over a window: `stop()` returns the share of the window the loop was busy and
 * the busy time itself. Busy time is the main thread's own CPU cost (plus any time it was descheduled while
 * busy); time spent waiting in the poll phase is not counted. */
export class UtilizationWindow {
  readonly #start: EventLoopUtilization = performance.eventLoopUtilization();

  stop(): { utilization: number; activeMs: number } {
    const delta = performance.eventLoopUtilization(this.#start);
    return { utilization: delta.utilization, activeMs: delta.active };
  }
}

/**
 * Event-loop delay while enabled, from a 1 ms-resolution timer: p50, p99 and max, in ms.
 *
 * The histogram records the time between two ticks of its timer (so an idle loop reads about 1.1 ms, not
 * 0), and the first tick after `enable()` or `reset()` only sets the reference point: a block that starts
 * before that tick goes unrecorded. {@link DelayMonitor.start} therefore lets a few ticks pass before the
 * measured work begins (and never resets afterwards), and {@link DelayMonitor.stop} lets the timer tick once
 * more, so a block that lasts until the end is recorded.
 */
export class DelayMonitor {
  readonly #histogram = monitorEventLoopDelay({ resolution: 1 });

  private constructor() {}

  static async start(): Promise<DelayMonitor> {
    const monitor = new DelayMonitor();
    monitor.#histogram.enable();
    await sleep(5);
    return monitor;
  }

  async stop(): Promise<{ p50Ms: number; p99Ms: number; maxMs: number; count: number }> {
    await sleep(3);
    const histogram = this.#histogram;
    histogram.disable();
    const toMs = (ns: number): number => ns / 1e6;
    return {
      p50Ms: toMs(histogram.percentile(50)),
      p99Ms: toMs(histogram.percentile(99)),
      maxMs: toMs(histogram.max),
      count: histogram.count,
    };
  }
}

/** Collects garbage (the child runs with `--expose-gc`) and lets pending callbacks run, so a measured pass
 * does not pay for the garbage or the timers of the pass before it. */
export async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  globalThis.gc?.();
  globalThis.gc?.();
  await new Promise((resolve) => setImmediate(resolve));
}
