/**
 * The Compare Runs panel's data on the extension side, without `vscode` so it is tested on its
 * own: the daemon's compare answer and reduced curves turned into the page's messages (bounded
 * as the schemas require, runs in the order the user picked them), the per-metric directions the
 * workspace remembers, and the checks on what the page asks to save.
 */
import {
  COMPARE_MAX_METRICS,
  COMPARE_MAX_PARAMS,
  COMPARE_PANEL_MAX_RUNS,
  COMPARE_SERIES_MAX_POINTS,
} from '../../../protocol/src/compare-panel.ts';
import type { CompareCurve, CompareDirection, CompareRun, CompareToWebview } from '../../../protocol/src/compare-panel.ts';
import type { RunsSeriesView } from '../../../protocol/src/inspect.ts';
import type { CompareView, RunView } from '../../../protocol/src/index.ts';

/** Which runs a panel compares. */
export interface CompareTarget {
  tenant: string;
  runIds: string[];
}

/** Reads `{ tenant, runIds }` as other panels and commands pass it; undefined when it is not one. */
export function parseCompareTarget(value: unknown): CompareTarget | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { tenant, runIds } = value as { tenant?: unknown; runIds?: unknown };
  if (typeof tenant !== 'string' || !Array.isArray(runIds) || runIds.length === 0) return undefined;
  if (!runIds.every((id): id is string => typeof id === 'string' && id.length > 0 && id.length <= 256)) return undefined;
  return { tenant, runIds: [...new Set(runIds)] };
}

/** A key that identifies the same comparison whatever the order the runs were picked in. */
export function targetKey(target: CompareTarget): string {
  return `${target.tenant}\n${[...target.runIds].sort().join('\n')}`;
}

function epochMs(iso: string | null): number | null {
  if (iso === null) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) && t >= 0 ? t : 0;
}

function panelRun(run: RunView): CompareRun {
  return {
    runId: run.id,
    name: (run.name ?? '').slice(0, 1000),
    status: run.status,
    startTime: epochMs(run.startTime) ?? 0,
    endTime: epochMs(run.endTime),
    experimentId: run.experimentId.slice(0, 64),
  };
}

/**
 * The `compare` message: runs in `order` (the user's), params (values over 6000 characters cut),
 * metric keys with directions — the workspace's remembered one over the daemon's guess.
 */
export function toCompareMessage(
  tenant: string,
  view: CompareView,
  order: readonly string[],
  remembered: Readonly<Record<string, CompareDirection>>,
): Extract<CompareToWebview, { type: 'compare' }> {
  const byId = new Map(view.runs.map((r) => [r.id, r]));
  const runs = [...order.filter((id) => byId.has(id)), ...view.runs.map((r) => r.id).filter((id) => !order.includes(id))]
    .slice(0, COMPARE_PANEL_MAX_RUNS)
    .map((id) => byId.get(id)!);
  return {
    type: 'compare',
    tenant,
    runs: runs.map(panelRun),
    params: view.params
      .filter((p) => p.key.length >= 1 && p.key.length <= 250)
      .slice(0, COMPARE_MAX_PARAMS)
      .map((p) => ({
        key: p.key,
        values: runs.map((r) => {
          const v = p.values[r.id];
          return v === undefined || v === null ? null : v.slice(0, 6000);
        }),
        differs: p.differs,
      })),
    metrics: view.metrics
      .filter((m) => m.key.length >= 1 && m.key.length <= 250)
      .slice(0, COMPARE_MAX_METRICS)
      .map((m) => ({
        key: m.key,
        direction: remembered[m.key] ?? m.direction,
        latest: runs.map((r) => finiteOrNull(m.values[r.id])),
      })),
  };
}

function finiteOrNull(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The answer to the page's `series` request: the daemon's reduced curves, at most as many points as the schema allows. */
export function toSeriesMessage(
  requestId: number,
  view: RunsSeriesView,
  range: { min: number; max: number } | undefined,
): Extract<CompareToWebview, { type: 'series' }> {
  const curves: CompareCurve[] = view.series.map((s) => ({
    runId: s.runId,
    key: s.key,
    totalPoints: s.totalPoints,
    reduced: s.reduced || s.points.length > COMPARE_SERIES_MAX_POINTS,
    points: s.points.length > COMPARE_SERIES_MAX_POINTS ? s.points.slice(0, COMPARE_SERIES_MAX_POINTS) : s.points,
    min: finiteOrNull(s.min),
    max: finiteOrNull(s.max),
    last: s.last,
  }));
  const startTimes: Record<string, number> = {};
  for (const [id, t] of Object.entries(view.startTimes)) if (Number.isFinite(t) && t >= 0) startTimes[id] = t;
  return { type: 'series', requestId, xAxis: view.xAxis, ...(range === undefined ? {} : { range }), curves, startTimes };
}

/** Where `DirectionMemory` keeps its map (VS Code's `Memento` fits). */
export interface MementoLike {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

/** Metric keys remembered at most; the oldest choice is forgotten first. */
export const MAX_REMEMBERED_DIRECTIONS = 500;
const DIRECTIONS_KEY = 'matih.compare.directions';

/** The better direction per metric key, chosen by the user in any Compare panel of this workspace. */
export class DirectionMemory {
  readonly #store: MementoLike;

  constructor(store: MementoLike) {
    this.#store = store;
  }

  all(): Record<string, CompareDirection> {
    const value = this.#store.get<unknown>(DIRECTIONS_KEY);
    const out: Record<string, CompareDirection> = {};
    if (typeof value !== 'object' || value === null) return out;
    for (const [key, dir] of Object.entries(value)) if (dir === 'min' || dir === 'max') out[key] = dir;
    return out;
  }

  async remember(key: string, direction: CompareDirection): Promise<void> {
    const all = this.all();
    delete all[key];
    all[key] = direction;
    const keys = Object.keys(all);
    for (const old of keys.slice(0, Math.max(0, keys.length - MAX_REMEMBERED_DIRECTIONS))) delete all[old];
    await this.#store.update(DIRECTIONS_KEY, all);
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The bytes of a `data:image/png;base64,…` URL; throws unless they start like a PNG file. */
export function decodePngDataUrl(dataUrl: string): Uint8Array {
  const prefix = 'data:image/png;base64,';
  if (!dataUrl.startsWith(prefix)) throw new Error('dataUrl: not a PNG data URL');
  const bytes = Buffer.from(dataUrl.slice(prefix.length), 'base64');
  if (bytes.length < PNG_SIGNATURE.length || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) throw new Error('dataUrl: the image is not a PNG');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** A suggested file name from the page, reduced to a plain name with the expected extension. */
export function saveName(fileName: string, extension: 'csv' | 'png'): string {
  const base = fileName.replace(/^.*[\\/]/, '').replace(/[^\w.-]+/g, '-').replace(/^[-.]+/, '');
  const stem = base.replace(/\.[^.]*$/, '') || 'compare';
  return `${stem.slice(0, 100)}.${extension}`;
}

/** A panel title from run names: `Compare: a, b` when short, else `Compare N runs`. */
export function panelTitle(runs: readonly CompareRun[]): string {
  const names = runs.map((r) => (r.name.trim() !== '' ? r.name : r.runId.slice(0, 8)));
  const joined = `Compare: ${names.join(', ')}`;
  return runs.length <= 3 && joined.length <= 48 ? joined : `Compare ${runs.length} runs`;
}
