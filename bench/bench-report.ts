/**
 * What the benchmarks that print a Markdown table of figures share: the figures' formatting, percentiles, and the
 * table itself, each row stamped with the load average it was measured at (the machines are shared and busy).
 */
import os from 'node:os';

/** The one-minute load average, as a row's note shows it. */
export const loadAverage = (): string => (os.loadavg()[0] ?? 0).toFixed(1);

/** A whole number with thousands separators. */
export const fmt = (n: number): string => Math.round(n).toLocaleString('en');

/** The p-th percentile (0–100) of unsorted values by the nearest-rank method; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Figures as they are measured: each is printed at once, and all of them again as a table at the end. */
export class BenchReport {
  private readonly rows: [string, string, string][] = [];

  row(name: string, value: string, note = ''): void {
    const load = loadAverage();
    this.rows.push([name, value, `${note}${note ? '; ' : ''}load ${load}`]);
    console.log(`${name}: ${value} ${note ? `(${note}) ` : ''}[load ${load}]`);
  }

  printTable(): void {
    console.log('\n| figure | value | note |\n|---|---|---|');
    for (const [name, value, note] of this.rows) console.log(`| ${name} | ${value} | ${note} |`);
  }
}
