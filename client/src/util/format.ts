/**
 * Labels and descriptions the sidebar builds from the daemon's views: times, durations, metric
 * values, run names. Pure (the clock is a parameter), so tests pin every string the user sees.
 */
import type { ExperimentView, RunStatusName, RunView } from '../../../protocol/src/index.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * A compact duration: `<1s`, `45s`, `3m 12s`, `2h 05m`, `3d 4h`. Two units at most, because a
 * tree description has little room and nobody compares runs by the second after an hour.
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 1) return '<1s';
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes}m ${pad(s % 60)}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${pad(minutes % 60)}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/**
 * A start time in local time, as short as it can be while unambiguous: `14:05` today,
 * `Nov 27 14:05` this year, `2024-11-27` before.
 */
export function formatStartTime(iso: string, now: Date): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return '';
  const time = `${pad(t.getHours())}:${pad(t.getMinutes())}`;
  if (t.getFullYear() === now.getFullYear() && t.getMonth() === now.getMonth() && t.getDate() === now.getDate()) {
    return time;
  }
  if (t.getFullYear() === now.getFullYear()) return `${MONTHS[t.getMonth()]} ${t.getDate()} ${time}`;
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}`;
}

/** A full local date-time for tooltips: `2025-11-27 14:05:09`. */
export function formatDateTime(iso: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  return (
    `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ` +
    `${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`
  );
}

/**
 * A metric's latest value: integers as they are, other numbers to 6 significant digits without
 * trailing zeros (0.912345, 1.5e-7), NaN (null on the wire) and infinities spelled out.
 */
export function formatMetricValue(value: number | null): string {
  if (value === null || Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e15)) {
    return value.toExponential(5).replace(/\.?0+e/, 'e');
  }
  return String(Number(value.toPrecision(6)));
}

/** How long a run took, or has been running (measured against `now`). */
export function runDuration(run: RunView, now: Date): number | undefined {
  if (run.durationSeconds !== null) return run.durationSeconds;
  const start = Date.parse(run.startTime);
  if (Number.isNaN(start)) return undefined;
  const end = run.endTime === null ? now.getTime() : Date.parse(run.endTime);
  return Number.isNaN(end) ? undefined : Math.max(0, end - start) / 1000;
}

/** A run's label: its name, or the start of its id for runs that have none. */
export function runLabel(run: RunView): string {
  return run.name !== null && run.name !== '' ? run.name : `Run ${run.id.slice(0, 8)}`;
}

/** `Nov 27 14:05 · 3m 12s`, with `archived` first when the run is archived. */
export function runDescription(run: RunView, now: Date): string {
  const parts: string[] = [];
  if (run.lifecycleStage === 'deleted') parts.push('archived');
  const start = formatStartTime(run.startTime, now);
  if (start !== '') parts.push(start);
  const duration = runDuration(run, now);
  if (duration !== undefined) parts.push(formatDuration(duration));
  return parts.join(' · ');
}

const STATUS_WORDS: Record<RunStatusName, string> = {
  running: 'Running',
  scheduled: 'Scheduled',
  finished: 'Finished',
  failed: 'Failed',
  killed: 'Killed',
};

export function statusWord(status: RunStatusName): string {
  return STATUS_WORDS[status];
}

/** A one-line description, shortened for the tree; the tooltip carries the whole text. */
export function shorten(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/**
 * An experiment's description in the tree: the active run query when there is one (the user
 * needs to see why runs are missing), else `archived` and the start of the description.
 */
export function experimentDescription(experiment: ExperimentView, query: string | undefined): string {
  const parts: string[] = [];
  if (experiment.lifecycleStage === 'deleted') parts.push('archived');
  if (query !== undefined) parts.push(query);
  else if (experiment.description !== '') parts.push(shorten(experiment.description, 60));
  return parts.join(' · ');
}

/** Escapes user text (names, descriptions, daemon messages) placed in a Markdown tooltip. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
