/**
 * Printing the benchmark: a header naming the machine, one table of measured paths with units
 * in the column titles, then the ratios and notes.
 */

import { cpus, loadavg, totalmem } from 'node:os';

export interface Row {
  path: string;
  points: number;
  seconds: number;
  /** Points (or rows) per second. */
  rate: number;
  /** "p50 / p99" in ms, or empty. */
  latency?: string;
  /** The daemon's peak RSS in MiB, if a daemon served the path. */
  rssMiB?: number;
  /** The point count read back after the run, or a short word on how it was checked. */
  verified: string;
}

/** The positive integer in environment variable `name`, or `fallback` when it is unset or empty. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return n;
}

export function fmt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';
}

/** The 1-minute load average: other work on the machine skews every figure, so it is printed. */
export function load1(): number {
  return loadavg()[0] ?? NaN;
}

export function machineLine(mlflowVersion: string): string {
  const cores = cpus();
  const model = (cores[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim();
  const mem = (totalmem() / 2 ** 30).toFixed(0);
  return `Machine: ${cores.length} cores (${model}), ${mem} GiB RAM, ${process.platform}/${process.arch}; Node ${process.version}; MLflow ${mlflowVersion}`;
}

const COLUMNS: { title: string; right: boolean; cell: (r: Row) => string }[] = [
  { title: 'path', right: false, cell: (r) => r.path },
  { title: 'points', right: true, cell: (r) => fmt(r.points) },
  { title: 'time (s)', right: true, cell: (r) => r.seconds.toFixed(1) },
  { title: 'rate (points/s)', right: true, cell: (r) => fmt(r.rate) },
  { title: 'latency p50 / p99 (ms)', right: true, cell: (r) => r.latency ?? '—' },
  { title: 'daemon peak RSS (MiB)', right: true, cell: (r) => (r.rssMiB === undefined ? '—' : r.rssMiB.toFixed(1)) },
  { title: 'verified (points)', right: true, cell: (r) => r.verified },
];

export function table(rows: Row[]): string {
  const cells = rows.map((r) => COLUMNS.map((c) => c.cell(r)));
  const widths = COLUMNS.map((c, i) => Math.max(c.title.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values.map((v, i) => (COLUMNS[i]!.right ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(COLUMNS.map((c) => c.title)), rule, ...cells.map(line)].join('\n');
}

/** `label  value` lines with the labels padded to one width. */
export function pairs(items: [string, string][]): string {
  const width = Math.max(...items.map(([k]) => k.length));
  return items.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

export function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}×`;
}
