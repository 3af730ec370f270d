/**
 * Runs table load (issue 6, "Measured"): the real Runs table bundle in headless Chromium, fed
 * from a real daemon (its LSP side in a child process over IPC, as the extension runs it) holding
 * one experiment of BENCH_TABLE_RUNS (10 000) runs with 10 params, 10 metrics and 2 tags each,
 * seeded through the daemon's MLflow-compatible API. This process plays the extension: when the
 * page says `ready` it pages through `Inspect.table` exactly as client/src/panels/runsTable.ts
 * does (first page 500 rows, then 5000; messages of 1000 rows) and posts the messages to the page.
 *
 * Reported: page load → `ready`; `ready` → first rows painted; `ready` → all rows loaded (count
 * shown, painted); the daemon's share (summed `Inspect.table` times); bytes posted to the page;
 * rows in the DOM afterwards; frame intervals while scrolling the whole table; and the time to
 * sort the loaded rows in the page by duration (a column MLflow cannot order by).
 *
 * Run alone: `node test/bench/runs-table-load.ts`. Knob: BENCH_TABLE_RUNS.
 */
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { FIRST_PAGE_ROWS, PAGE_ROWS, toRowsMessages } from '../../client/src/panels/runsTableData.ts';
import { Experiments, Inspect } from '../../protocol/src/index.ts';
import { embeddedOptions, startLspDaemon } from '../lsp/harness.ts';
import { harnessUnavailable, startHarness } from '../webviews/runs-table-harness.ts';
import type { PanelPage } from '../webviews/runs-table-harness.ts';

export interface RunsTableLoadResult {
  runs: number;
  seedSeconds: number;
  pageToReadyMs: number;
  firstRowsMs: number;
  allRowsMs: number;
  daemonMs: number;
  bytes: number;
  messages: number;
  domRows: number;
  scroll: { frames: number; p50: number; p95: number; max: number };
  sortInPageMs: number;
  /** 1-minute load average when the page was opened and at the end (other work skews the figures). */
  load: [number, number];
}

const TENANT = 'acme';
const CONCURRENCY = 16;

async function seed(url: string, token: string, experimentId: string, runs: number): Promise<void> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const call = async (path: string, body: unknown): Promise<any> => {
    const res = await fetch(`${url}/tenants/${TENANT}/api/2.0/mlflow/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${text}`);
    return JSON.parse(text);
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < runs) {
      const i = next++;
      const start = 1_700_000_000_000 + i * 60_000;
      const { run } = await call('runs/create', {
        experiment_id: experimentId,
        run_name: `sweep-${String(i).padStart(5, '0')}`,
        start_time: start,
        tags: [
          { key: 'team', value: i % 2 ? 'vision' : 'tabular' },
          { key: 'stage', value: ['dev', 'staging', 'prod'][i % 3]! },
        ],
      });
      await call('runs/log-batch', {
        run_id: run.info.run_id,
        params: Array.from({ length: 10 }, (_, k) => ({ key: `param_${k}`, value: String((i * (k + 3)) % 97) })),
        metrics: Array.from({ length: 10 }, (_, k) => ({ key: `metric_${k}`, value: Math.sin(i + k) * 10, timestamp: start + 1000, step: 0 })),
      });
      await call('runs/update', { run_id: run.info.run_id, status: 'FINISHED', end_time: start + 1000 + (i % 600) * 1000 });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

export async function runsTableLoad(runs: number, progress: (line: string) => void = () => {}): Promise<RunsTableLoadResult> {
  const missing = harnessUnavailable('runs-table');
  if (missing) throw new Error(`runs-table bench ${missing}`);
  const lsp = await startLspDaemon({ initializationOptions: embeddedOptions() });
  const harness = await startHarness();
  try {
    const status = await lsp.statusWhere((s) => s.httpUrl !== undefined);
    const token = JSON.parse(await readFile(status.discoveryFile!, 'utf8')).token as string;
    const experiment = await lsp.request(Experiments.create, { tenant: TENANT, name: `table-bench-${Date.now()}` });
    progress(`runs table: seeding ${runs} runs (10 params, 10 metrics, 2 tags each)`);
    const seedStarted = performance.now();
    await seed(status.httpUrl!, token, experiment.id, runs);
    const seedSeconds = (performance.now() - seedStarted) / 1000;

    progress(`runs table: loading ${runs} runs into the page in headless Chromium`);
    let readyAt = 0;
    let daemonMs = 0;
    let bytes = 0;
    let messages = 0;
    let loading: Promise<void> | undefined;
    const loadAtStart = loadavg()[0]!;
    const opened = performance.now();
    // The extension's side, as runsTable.ts does it: init, reset, then every page.
    const load = async (send: (m: unknown) => Promise<void>): Promise<void> => {
      const post = async (m: unknown): Promise<void> => {
        const json = JSON.stringify(m);
        bytes += Buffer.byteLength(json);
        messages++;
        await send(m);
      };
      const query = { filter: '', sort: null };
      await post({ type: 'init', context: { tenant: TENANT, experimentId: experiment.id, experimentName: experiment.name }, query });
      await post({ type: 'reset', generation: 1, query });
      let pageToken: string | undefined;
      let first = true;
      do {
        const t = performance.now();
        const page = await lsp.request(Inspect.table, {
          tenant: TENANT,
          experimentIds: [experiment.id],
          maxResults: first ? FIRST_PAGE_ROWS : PAGE_ROWS,
          ...(pageToken === undefined ? {} : { pageToken }),
        });
        daemonMs += performance.now() - t;
        first = false;
        pageToken = page.nextPageToken;
        for (const m of toRowsMessages(1, page, pageToken === undefined)) await post(m);
      } while (pageToken !== undefined);
    };
    // The page says `ready` while it loads, before `open` answers with the handle to send through.
    let opened_: (p: PanelPage) => void = () => {};
    const handle = new Promise<PanelPage>((resolve) => (opened_ = resolve));
    const panel = await harness.open('runs-table', {
      viewport: { width: 1400, height: 900 },
      onPost: (m) => {
        if ((m as { type?: string }).type === 'ready' && loading === undefined) {
          readyAt = performance.now();
          loading = load(async (msg) => (await handle).send(msg));
        }
      },
    });
    opened_(panel);
    const page = panel.page;
    await page.waitForFunction(() => (globalThis as any).document.querySelector('.grid-window .row') !== null, undefined, { polling: 'raf', timeout: 120_000 });
    const firstRowsAt = performance.now();
    const want = `${runs.toLocaleString('en-US')} runs`;
    await page.waitForFunction((w) => (globalThis as any).document.querySelector('.count')?.textContent === w, want, { polling: 'raf', timeout: 600_000 });
    const allAt = performance.now();
    await loading;
    if (panel.problems.length > 0) throw new Error(`the page reported: ${panel.problems.join('; ')}`);
    const domRows = await page.locator('.grid-window .row').count();

    // Scroll the whole table, a screenful per frame, and time the frames.
    const intervals = await page.evaluate(async () => {
      const g = (globalThis as any).document.querySelector('.grid');
      const times: number[] = [];
      await new Promise<void>((resolve) => {
        const step = (t: number) => {
          times.push(t);
          if (g.scrollTop + g.clientHeight >= g.scrollHeight) return resolve();
          g.scrollTop += g.clientHeight;
          (globalThis as any).requestAnimationFrame(step);
        };
        (globalThis as any).requestAnimationFrame(step);
      });
      return times.slice(1).map((t, i) => t - times[i]!);
    });
    intervals.sort((a, b) => a - b);
    const q = (p: number) => intervals[Math.min(intervals.length - 1, Math.floor(intervals.length * p))] ?? 0;

    // Sort by duration in the page: click, then wait for the note and a repaint.
    await page.locator('.grid').evaluate((g) => (g.scrollTop = 0));
    const sortStarted = performance.now();
    await page.locator('.grid-header button.sort', { hasText: /^Duration$/ }).click();
    await page.waitForFunction(() => ((globalThis as any).document.querySelector('.note')?.textContent ?? '').startsWith('Sorted in the panel'), undefined, { polling: 'raf' });
    const sortInPageMs = performance.now() - sortStarted;
    await page.close();
    return {
      runs,
      seedSeconds,
      pageToReadyMs: readyAt - opened,
      firstRowsMs: firstRowsAt - readyAt,
      allRowsMs: allAt - readyAt,
      daemonMs,
      bytes,
      messages,
      domRows,
      scroll: { frames: intervals.length, p50: q(0.5), p95: q(0.95), max: intervals.at(-1) ?? 0 },
      sortInPageMs,
      load: [loadAtStart, loadavg()[0]!],
    };
  } finally {
    await harness.close();
    await lsp.stop().catch(() => {});
    await lsp.dispose();
  }
}

/** Lines for the bench report. */
export function runsTableLoadLines(r: RunsTableLoadResult): string[] {
  const ms = (v: number) => `${Math.round(v).toLocaleString('en-US')} ms`;
  const rows: [string, string][] = [
    ['page load → ready (bundle parsed, handshake)', ms(r.pageToReadyMs)],
    ['ready → first rows painted', ms(r.firstRowsMs)],
    [`ready → all ${r.runs.toLocaleString('en-US')} rows loaded and counted`, ms(r.allRowsMs)],
    ['  of which the daemon (Inspect.table, summed)', ms(r.daemonMs)],
    ['bytes posted to the page', `${(r.bytes / 1024 / 1024).toFixed(1)} MiB in ${r.messages} messages`],
    ['rows in the DOM after loading', String(r.domRows)],
    [`scrolling top to bottom, a screenful per frame (${r.scroll.frames} frames)`, `frame interval p50 ${r.scroll.p50.toFixed(1)} / p95 ${r.scroll.p95.toFixed(1)} / max ${r.scroll.max.toFixed(1)} ms`],
    [`sort ${r.runs.toLocaleString('en-US')} loaded rows by duration in the page`, ms(r.sortInPageMs)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    `Runs table — ${r.runs.toLocaleString('en-US')} runs (10 params, 10 metrics, 2 tags each; seeded in ${r.seedSeconds.toFixed(0)} s) from a daemon over LSP into the real bundle in headless Chromium`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    `  (1-min load average ${r.load[0].toFixed(1)} when the page opened, ${r.load[1].toFixed(1)} at the end; headless Chromium renders in software, --disable-gpu)`,
  ];
}

if (import.meta.main) {
  const raw = process.env.BENCH_TABLE_RUNS;
  const runs = raw === undefined || raw === '' ? 10_000 : Number(raw);
  if (!Number.isInteger(runs) || runs <= 0) throw new Error(`BENCH_TABLE_RUNS must be a positive integer, got '${raw}'`);
  console.log(runsTableLoadLines(await runsTableLoad(runs, (line) => console.error(`[bench] ${line}`))).join('\n'));
}
