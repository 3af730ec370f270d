/**
 * Sustained points per second with the Live panel open (issue 5, "Measured"): the real Live
 * Metrics page (dist/webviews/live.js + live.css, as built for the extension) in headless
 * Chromium, fed through the extension's own code path while a load generator ingests at a fixed
 * rate, and how much of that the page merges and draws.
 *
 *   load generator ──MLflow log-batch──▶ daemon (LSP child process, embedded store)
 *        ──Live.frame over IPC──▶ this process as the extension: frameToMessages (liveData.ts)
 *        ──window.postMessage──▶ the page (harness stands in for acquireVsCodeApi)
 *
 * The harness page has the panel's strict CSP and loads a small script before the bundle that
 * provides `acquireVsCodeApi`, counts the points of each `points` message once the page's own
 * message handler returned (merged), counts redraws (the `loss` chart's caption "last <value>"
 * changes on every redraw, and each point's value is its step, so the caption also says which
 * step is drawn), and counts animation frames. The extension side sends each notification's
 * messages in one `page.evaluate`, one `postMessage` per message as VS Code's webview does;
 * deliveries are queued in order, so a page that cannot keep up shows as a growing queue.
 *
 * Figures, over the load window after a 2 s warm-up: points/s delivered and merged, redraws/s,
 * the lag (points offered but not yet drawn) early and late in the load — equal means no backlog
 * growth — the age of the drawn value (time since the log-batch response of the step it shows),
 * the page main thread's busy share (CDP `TaskDuration`), its JS heap, and the time to catch up
 * after the generator stopped.
 *
 * Knobs: BENCH_PANEL_SECONDS (20), BENCH_PANEL_RATE (10 000 points/s).
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Experiments, Live, type LiveFramesParams, type LiveToWebview, Runs } from '../../protocol/src/index.ts';
import { frameToMessages, toPanelRun } from '../../client/src/panels/liveData.ts';
import { ROOT, toolchain } from '../e2e/support/editor.ts';
import { embeddedOptions, startLspDaemon } from '../lsp/harness.ts';

const BATCH_POINTS = 100;
const SAMPLE_MS = 200;
const WARMUP_S = 2;
/** As the e2e editor starts Chromium (test/e2e/support/editor.ts). */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface LivePanelResult {
  /** Target ingest rate and what the generator achieved, points/s. */
  offeredRate: number;
  ingestRate: number;
  points: number;
  loadSeconds: number;
  /** Points/s handed to the page, and merged by it, over the load window after the warm-up. */
  deliveredRate: number;
  mergedRate: number;
  /** Points/s by which the drawn chart advanced (its newest drawn step), same window. */
  drawnRate: number;
  /** Redraws of the chart per second, and animation frames per second, over the same window. */
  drawsPerSecond: number;
  rafPerSecond: number;
  notifications: number;
  messages: number;
  /** Points offered (log-batch answered) but not drawn yet: mean of the first and second half of the load, and max. */
  lagFirstHalf: number;
  lagSecondHalf: number;
  lagMax: number;
  /** Least-squares slope of that lag over the load window, points per second: a backlog that grows shows here. */
  lagSlope: number;
  /** Largest number of messages waiting on the extension side to be handed to the page. */
  queueMax: number;
  /** Time of one hand-over (the messages of one notification, one `page.evaluate`), ms. */
  handOverMs: { p50: number; max: number };
  /** Age of the drawn value (ms since its log-batch response), over the samples of the load window. */
  age: { p50: number; p99: number; max: number };
  /** Share of wall time the page's main thread was busy during the load. */
  pageBusy: number;
  heapMiB: number;
  /** From the last log-batch response until the page drew the last point. */
  drainMs: number;
}

interface PageCounters {
  merged: number;
  draws: number;
  rafs: number;
  caption: string;
  ready: boolean;
}

/** Runs in the page before the bundle: the VS Code webview API stand-in and the counters. */
const HARNESS_JS = `(() => {
  const b = { posted: [], merged: 0, draws: 0, rafs: 0, caption: '' };
  window.__bench = b;
  const raf = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (cb) => raf((t) => { b.rafs++; cb(t); });
  const add = window.addEventListener.bind(window);
  window.addEventListener = (type, listener, options) => {
    if (type !== 'message') return add(type, listener, options);
    return add(type, (event) => {
      listener(event);
      const d = event.data;
      if (d && d.type === 'points' && Array.isArray(d.points)) b.merged += d.points.length;
    }, options);
  };
  window.acquireVsCodeApi = () => ({ postMessage: (m) => b.posted.push(m), getState: () => undefined, setState: () => {} });
  new MutationObserver(() => {
    const c = document.querySelector('.chart-caption');
    const text = c ? c.textContent : '';
    if (text !== b.caption) { b.caption = text; b.draws++; }
  }).observe(document.documentElement, { subtree: true, childList: true, characterData: true });
})();`;

function harnessHtml(nonce: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; style-src 'self'; img-src 'self' data:">
  <meta charset="UTF-8">
  <link rel="stylesheet" href="/live.css">
  <title>Live Metrics (bench)</title>
</head>
<body>
  <script nonce="${nonce}" src="/harness.js"></script>
  <script nonce="${nonce}" src="/live.js"></script>
</body>
</html>
`;
}

/** Serves the harness page and the built bundle on loopback. */
async function servePage(): Promise<{ url: string; close(): Promise<void> }> {
  const dir = join(ROOT, 'dist', 'webviews');
  const files: Record<string, [type: string, body: string | Buffer]> = {
    '/': ['text/html', harnessHtml('YmVuY2gtbm9uY2UtMTIzNDU2')],
    '/harness.js': ['text/javascript', HARNESS_JS],
    '/live.js': ['text/javascript', await readFile(join(dir, 'live.js'))],
    '/live.css': ['text/css', await readFile(join(dir, 'live.css'))],
  };
  const server = createServer((req, res) => {
    const file = files[req.url ?? ''];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': `${file[0]}; charset=utf-8` }).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const counters = (page: Page): Promise<PageCounters> =>
  page.evaluate(() => {
    const b = (globalThis as any).__bench;
    return { merged: b.merged, draws: b.draws, rafs: b.rafs, caption: b.caption, ready: b.posted.some((m: any) => m?.type === 'ready') };
  });

const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);

/** Least-squares slope of y over x. */
function slope(xy: [number, number][]): number {
  const n = xy.length;
  if (n < 2) return NaN;
  const mx = xy.reduce((a, [x]) => a + x, 0) / n;
  const my = xy.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of xy) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/** The step the `loss` chart's caption shows ("last 12345"), or -1. */
function drawnStep(caption: string): number {
  const m = /^last (\d+)$/.exec(caption);
  return m ? Number(m[1]) : -1;
}

export async function livePanel(seconds: number, rate: number, progress: (line: string) => void = () => {}): Promise<LivePanelResult> {
  const batches = Math.ceil((seconds * rate) / BATCH_POINTS);
  const total = batches * BATCH_POINTS;
  const site = await servePage();
  const lsp = await startLspDaemon({ initializationOptions: embeddedOptions() });
  let browser: Browser | undefined;
  try {
    const tools = toolchain();
    if (tools.missing.some((m) => /chromium/i.test(m))) throw new Error('the Live panel bench needs Chromium: run `node scripts/install-code-server.ts`');
    browser = await chromium.launch({ executablePath: tools.chromium, headless: true, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(site.url);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const taskSeconds = async () => {
      const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
      return metrics.find((x) => x.name === 'TaskDuration')?.value ?? NaN;
    };

    const status = await lsp.statusWhere((s) => s.httpUrl !== undefined);
    const url = status.httpUrl!;
    const token = JSON.parse(await readFile(status.discoveryFile!, 'utf8')).token as string;
    const exp = await lsp.request(Experiments.create, { tenant: 'acme', name: `live-panel-bench-${Date.now()}` });
    const run = await lsp.request(Runs.create, { tenant: 'acme', experimentId: exp.id, name: 'panel-bench' });

    // The page says `ready`; the extension answers with the run, as the panel does.
    const deadline = Date.now() + 20_000;
    while (!(await counters(page)).ready) {
      if (Date.now() > deadline) throw new Error(`the Live page never said ready: ${errors.join('; ')}`);
      await sleep(50);
    }
    // As JSON text: one string crosses CDP cheaply, where Playwright's argument serializer would
    // walk every point (VS Code's webview IPC sends serialized messages too).
    const send = (messages: LiveToWebview[]) =>
      page.evaluate((json) => {
        for (const m of JSON.parse(json)) (globalThis as any).postMessage(m, '*');
      }, JSON.stringify(messages));
    await send([{ type: 'run', run: toPanelRun('acme', run), reset: true }]);

    // The extension side: frames → panel messages, handed over in order.
    let delivered = 0;
    let notifications = 0;
    let messages = 0;
    let queued = 0;
    let queueMax = 0;
    let chain: Promise<unknown> = Promise.resolve();
    let sendError: unknown;
    /** How long each hand-over (one page.evaluate) took, ms. */
    const handOvers: number[] = [];
    lsp.connection.onNotification(Live.frame.method, (p: LiveFramesParams) => {
      notifications++;
      const out = p.frames.filter((f) => f.runId === run.id && f.tenant === 'acme').flatMap((f) => frameToMessages(f));
      if (out.length === 0) return;
      const points = out.reduce((n, m) => n + (m.type === 'points' ? m.points.length : 0), 0);
      messages += out.length;
      queued += out.length;
      queueMax = Math.max(queueMax, queued);
      chain = chain
        .then(async () => {
          const t0 = performance.now();
          await send(out);
          handOvers.push(performance.now() - t0);
          queued -= out.length;
          delivered += points;
        })
        .catch((err: unknown) => void (sendError ??= err));
    });
    await lsp.request(Live.subscribe, { tenant: 'acme', runIds: [run.id] });

    const endpoint = `${url}/tenants/acme/api/2.0/mlflow/runs/log-batch`;
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const respAt = new Float64Array(batches).fill(NaN);
    let answered = -1; // highest batch whose response arrived with all before it
    let answeredCount = 0;
    const bodies = Array.from({ length: batches }, (_, b) =>
      JSON.stringify({
        run_id: run.id,
        metrics: Array.from({ length: BATCH_POINTS }, (_, i) => {
          const step = b * BATCH_POINTS + i;
          return { key: 'loss', value: step, timestamp: Date.now(), step };
        }),
      }),
    );

    interface Sample {
      t: number;
      offered: number;
      delivered: number;
      page: PageCounters;
    }
    const samples: Sample[] = [];
    let sampling = true;
    const started = performance.now();
    const sampler = (async () => {
      while (sampling) {
        const page0 = await counters(page);
        samples.push({ t: (performance.now() - started) / 1000, offered: answeredCount, delivered, page: page0 });
        await sleep(SAMPLE_MS);
      }
    })();

    progress(`live panel: ${total} points at ~${rate}/s into the Live Metrics page in headless Chromium`);
    const busyBefore = await taskSeconds();
    const interval = (1000 * BATCH_POINTS) / rate;
    const inFlight: Promise<void>[] = [];
    for (let b = 0; b < batches; b++) {
      const wait = started + b * interval - performance.now();
      if (wait > 1) await sleep(wait);
      inFlight.push(
        fetch(endpoint, { method: 'POST', headers, body: bodies[b]! }).then(async (res) => {
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`log-batch answered ${res.status}`);
          respAt[b] = performance.now();
          while (answered + 1 < batches && !Number.isNaN(respAt[answered + 1]!)) answered++;
          answeredCount = (answered + 1) * BATCH_POINTS;
        }),
      );
    }
    await Promise.all(inFlight);
    const loadEnd = performance.now();
    const busyAfter = await taskSeconds();
    const loadSeconds = (loadEnd - started) / 1000;

    // Catch-up: until the page drew the last step.
    let last = await counters(page);
    const drainDeadline = Date.now() + 120_000;
    while (drawnStep(last.caption) !== total - 1 || last.merged < total) {
      if (sendError !== undefined) throw sendError;
      if (Date.now() > drainDeadline) throw new Error(`the page did not catch up: merged ${last.merged}/${total}, caption "${last.caption}"`);
      await sleep(20);
      last = await counters(page);
    }
    const drainMs = performance.now() - loadEnd;
    sampling = false;
    await sampler;
    await chain;
    if (delivered !== total) throw new Error(`delivered ${delivered} of ${total} points`);
    const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    if (errors.length > 0) throw new Error(`the page threw: ${errors.join('; ')}`);

    const load = samples.filter((s) => s.t >= WARMUP_S && s.t <= loadSeconds);
    const first = load[0]!;
    const lastLoad = load.at(-1)!;
    const span = lastLoad.t - first.t;
    const per = (f: (s: Sample) => number) => (f(lastLoad) - f(first)) / span;
    const lag = (s: Sample) => Math.max(0, s.offered - (drawnStep(s.page.caption) + 1));
    const half = Math.floor(load.length / 2);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const ages = load
      .map((s) => {
        const step = drawnStep(s.page.caption);
        const at = step >= 0 ? respAt[Math.floor(step / BATCH_POINTS)]! : NaN;
        return started + s.t * 1000 - at;
      })
      .filter((x) => Number.isFinite(x))
      .sort((a, b) => a - b);
    const q = (p: number) => ages[Math.min(ages.length - 1, Math.floor(ages.length * p))] ?? NaN;
    return {
      offeredRate: rate,
      ingestRate: total / loadSeconds,
      points: total,
      loadSeconds,
      deliveredRate: per((s) => s.delivered),
      mergedRate: per((s) => s.page.merged),
      drawnRate: per((s) => drawnStep(s.page.caption) + 1),
      drawsPerSecond: per((s) => s.page.draws),
      rafPerSecond: per((s) => s.page.rafs),
      notifications,
      messages,
      lagFirstHalf: mean(load.slice(0, half).map(lag)),
      lagSecondHalf: mean(load.slice(half).map(lag)),
      lagMax: Math.max(...load.map(lag)),
      lagSlope: slope(load.map((s) => [s.t, lag(s)])),
      queueMax,
      handOverMs: { p50: sorted(handOvers)[Math.floor(handOvers.length / 2)] ?? NaN, max: Math.max(...handOvers) },
      age: { p50: q(0.5), p99: q(0.99), max: ages.at(-1) ?? NaN },
      pageBusy: (busyAfter - busyBefore) / loadSeconds,
      heapMiB: heap.usedSize / 2 ** 20,
      drainMs,
    };
  } finally {
    await browser?.close().catch(() => {});
    await lsp.stop().catch(() => {});
    await lsp.dispose();
    await site.close();
  }
}

/** Whether the page kept up: a lag trend under 2% of the offered rate counts as none (sampling noise). */
function verdict(r: LivePanelResult): string {
  return Math.abs(r.lagSlope) <= 0.02 * r.offeredRate ? 'no backlog growth' : r.lagSlope > 0 ? 'the backlog grows: the page falls behind' : 'the backlog shrinks (catching up after a slow start)';
}

/** Lines for the bench report. */
export function livePanelLines(r: LivePanelResult): string[] {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const rows: [string, string][] = [
    ['offered / ingested (points/s)', `${n(r.offeredRate)} / ${n(r.ingestRate)} (${n(r.points)} points in ${r.loadSeconds.toFixed(1)} s)`],
    ['delivered to the page (points/s)', `${n(r.deliveredRate)}  (${n(r.notifications)} Live.frame notifications, ${n(r.messages)} panel messages)`],
    ['merged by the page (points/s)', n(r.mergedRate)],
    ['drawn by the page (points/s)', n(r.drawnRate)],
    ['chart redraws per second', `${r.drawsPerSecond.toFixed(1)}  (animation frames ${r.rafPerSecond.toFixed(1)}/s)`],
    ['drawn value age p50 / p99 / max (ms)', `${r.age.p50.toFixed(0)} / ${r.age.p99.toFixed(0)} / ${r.age.max.toFixed(0)}`],
    ['lag, points not yet drawn: 1st half / 2nd half / max', `${n(r.lagFirstHalf)} / ${n(r.lagSecondHalf)} / ${n(r.lagMax)}`],
    ['lag trend over the load (points/s)', `${r.lagSlope >= 0 ? '+' : ''}${n(r.lagSlope)}  → ${verdict(r)}`],
    ['extension-side queue, max (messages)', `${n(r.queueMax)}  (one hand-over p50 ${r.handOverMs.p50.toFixed(1)} ms, max ${r.handOverMs.max.toFixed(0)} ms)`],
    ['page main thread busy', `${(r.pageBusy * 100).toFixed(0)}%`],
    ['page JS heap at the end (MiB)', r.heapMiB.toFixed(1)],
    ['caught up after the generator stopped (ms)', r.drainMs.toFixed(0)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    `Live Metrics panel open — the real page (dist/webviews/live.js) in headless Chromium, fed Live.frame → frameToMessages → postMessage, one run, one metric, ${n(r.offeredRate)} points/s offered (MLflow log-batch, ${BATCH_POINTS} per request)`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    `Rates and lag are over the load after a ${WARMUP_S} s warm-up, sampled every ${SAMPLE_MS} ms; the age is how old the newest drawn point was at each sample (frames coalesce to ≤ 20/s, the page redraws ≤ ~10/s).`,
    'Backlog: the trend is the lag\'s least-squares slope; a page that keeps up has one near 0 (noise of a frame or two) and catches up within about a redraw interval once the load stops.',
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const seconds = Number(process.env.BENCH_PANEL_SECONDS ?? 20);
  const rate = Number(process.env.BENCH_PANEL_RATE ?? 10_000);
  console.log(livePanelLines(await livePanel(seconds, rate, (l) => console.error(`[bench] ${l}`))).join('\n'));
}
