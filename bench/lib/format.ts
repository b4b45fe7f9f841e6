/** Numbers with units, and the aligned plain-text tables every scenario prints. */
import type { Summary } from './stats.js';

/** A value in a unit chosen once per figure, so median, min and max read in the same unit. */
export interface Unit {
  readonly scale: number;
  readonly suffix: string;
  readonly digits: number;
}

function fixed(value: number, digits: number): string {
  if (!Number.isFinite(value)) return '-';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Enough digits for three significant figures at this magnitude. */
function digitsFor(scaled: number): number {
  const magnitude = Math.abs(scaled);
  if (magnitude >= 100) return 0;
  if (magnitude >= 10) return 1;
  return 2;
}

function pick(value: number, units: readonly [number, string][]): Unit {
  const magnitude = Math.abs(value);
  let chosen = units[0] as [number, string];
  for (const unit of units) if (magnitude >= unit[0]) chosen = unit;
  return { scale: chosen[0], suffix: chosen[1], digits: digitsFor(value / chosen[0]) };
}

/** Items (or anything) per second: k/s, M/s. */
export function rateUnit(perSecond: number): Unit {
  return pick(perSecond, [
    [1, '/s'],
    [1e3, ' k/s'],
    [1e6, ' M/s'],
  ]);
}

/** Bytes per second: MB/s, GB/s (decimal). */
export function byteRateUnit(bytesPerSecond: number): Unit {
  return pick(bytesPerSecond, [
    [1e3, ' kB/s'],
    [1e6, ' MB/s'],
    [1e9, ' GB/s'],
  ]);
}

/** A duration given in milliseconds: ns, µs, ms, s. */
export function msUnit(ms: number): Unit {
  return pick(ms, [
    [1e-6, ' ns'],
    [1e-3, ' µs'],
    [1, ' ms'],
    [1e3, ' s'],
  ]);
}

/** A duration given in nanoseconds, always shown in ns. */
export const NS: Unit = { scale: 1, suffix: ' ns', digits: 0 };

/** Bytes, always in MB (decimal, as `ps` and most dashboards show RSS in MiB; we say MB = 10^6 B). */
export const MB: Unit = { scale: 1e6, suffix: ' MB', digits: 1 };

export function formatIn(value: number, unit: Unit): string {
  return `${fixed(value / unit.scale, unit.digits)}${unit.suffix}`;
}

/** "2.61 M/s (2.50–2.70)": the median with its unit, then min–max in the same unit. A single sample
 * shows no range. */
export function formatSummary(summary: Summary, unit: Unit): string {
  const main = formatIn(summary.median, unit);
  if (summary.n <= 1) return main;
  return `${main} (${fixed(summary.min / unit.scale, unit.digits)}–${fixed(summary.max / unit.scale, unit.digits)})`;
}

/** A count with thousands separators. */
export function formatCount(value: number): string {
  return fixed(value, 0);
}

/** A ratio such as "0.45×", "0.012×" or "20.3×": two significant digits at least. */
export function formatRatio(value: number): string {
  if (!Number.isFinite(value)) return '-';
  if (value >= 10) return `${fixed(value, 1)}×`;
  if (value >= 0.1 || value === 0) return `${fixed(value, 2)}×`;
  return `${value.toPrecision(2)}×`;
}

/** One target check: "ok ≥0.45×" or "MISS ≥0.45×", so a failing target stands out in a log. */
export function check(passed: boolean, label: string): string {
  return `${passed ? 'ok' : 'MISS'} ${label}`;
}

/** The table as aligned text: the first column left-aligned, the others right-aligned. */
export function renderTable(
  title: string,
  columns: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const cells = [columns, ...rows].map((row) => row.map((cell) => String(cell)));
  const count = Math.max(...cells.map((row) => row.length));
  const widths = Array.from({ length: count }, (_, index) =>
    Math.max(...cells.map((row) => [...(row[index] ?? '')].length)),
  );
  const line = (row: readonly string[]): string =>
    row
      .map((cell, index) => {
        const width = widths[index] ?? 0;
        const pad = ' '.repeat(width - [...cell].length);
        return index === 0 ? cell + pad : pad + cell;
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [`## ${title}`, '', line(cells[0] ?? []), rule, ...cells.slice(1).map(line)].join('\n');
}
