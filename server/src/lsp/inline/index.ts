/**
 * Inline metrics beside the code (DESIGN §9): standard `textDocument/codeLens` and
 * `textDocument/hover` for the Python files and notebook cells the extension syncs. Above each
 * metric call (scan.ts) a lens shows the latest value, the step and a sparkline of the active run
 * (metrics-source.ts) and opens the Live panel when clicked; hovering a key shows a chart of the
 * whole history (an SVG image, chart-svg.ts).
 *
 * Live: the runs the open documents show are watched on the session's MetricHub; their points
 * invalidate the cached series and ask the editor for new lenses through
 * `workspace/codeLens/refresh`, at most once per INLINE_REFRESH_MIN_INTERVAL_MS. A slow poll
 * notices when a different run becomes the active one (a new script started).
 */
import type { ClientCapabilities, CodeLens, Connection, Hover, ServerCapabilities } from 'vscode-languageserver/node';
import { INLINE_NO_RUN, INLINE_OPEN_LIVE_COMMAND, INLINE_REFRESH_MIN_INTERVAL_MS } from '../../../../protocol/src/index.ts';
import type { MetricHub, Subscriber } from '../../live/metric-hub.ts';
import type { Listener } from '../listener.ts';
import type { DaemonSession } from '../session.ts';
import { type ActiveRun, InlineCache } from './metrics-source.ts';
import { CalmRefresher } from './refresh.ts';
import { hoverMarkdown, lensTitle } from './render.ts';
import { type MetricCall, type Position, metricKeys, scanMetricCalls } from './scan.ts';

/** What the daemon announces in `initialize` for the inline features (full text sync). */
export const INLINE_CAPABILITIES: ServerCapabilities = {
  textDocumentSync: { openClose: true, change: 1 },
  codeLensProvider: { resolveProvider: false },
  hoverProvider: true,
};

/** How often the open documents' active runs are looked up again while any shows metric calls. */
const POLL_MS = 5000;
/** Largest document scanned (a generated file is not training code). */
const MAX_TEXT = 2_000_000;

interface OpenDocument {
  text: string;
  calls: MetricCall[] | undefined;
  /** The run its lenses showed last: `tenant\0runId`, or '' for none. */
  shown: string | undefined;
}

export interface InlineOptions {
  refreshIntervalMs?: number;
  pollMs?: number;
}

export interface InlineFeature {
  /** From `initialize`: whether the editor takes `workspace/codeLens/refresh`. */
  initialize(capabilities: ClientCapabilities): void;
  dispose(): void;
}

export function registerInline(
  connection: Connection,
  session: DaemonSession,
  hub: MetricHub,
  options: InlineOptions = {},
): InlineFeature {
  const log = (line: string) => connection.console.log(line);
  const docs = new Map<string, OpenDocument>();
  const cache = new InlineCache();
  let refreshSupported = false;
  let lastListener: Listener | undefined;
  let subscriber: Subscriber | undefined;
  const watched = new Map<string, { tenant: string; runId: string }>();

  const refresher = new CalmRefresher(() => {
    void connection.sendRequest('workspace/codeLens/refresh').catch(() => {});
  }, options.refreshIntervalMs ?? INLINE_REFRESH_MIN_INTERVAL_MS);
  const refresh = () => {
    if (refreshSupported) refresher.request();
  };

  const calls = (doc: OpenDocument): MetricCall[] => (doc.calls ??= doc.text.length > MAX_TEXT ? [] : scanMetricCalls(doc.text));

  const hubSubscriber = (): Subscriber => {
    if (subscriber && !subscriber.isClosed) return subscriber;
    watched.clear();
    subscriber = hub.subscribe({
      deliver(frames) {
        let shown = false;
        for (const f of frames) {
          cache.invalidateRun(f.tenant, f.runId);
          const k = `${f.tenant}\0${f.runId}`;
          for (const d of docs.values()) if (d.shown === k) shown = true;
        }
        if (shown) refresh();
        return true;
      },
      ended() {
        // Overflow: the next lens request subscribes again; meanwhile re-read everything.
        cache.clear();
        refresh();
      },
    });
    return subscriber;
  };

  /** Watches exactly the runs some open document shows. */
  const syncWatches = () => {
    const wanted = new Set<string>();
    for (const d of docs.values()) if (d.shown) wanted.add(d.shown);
    const sub = hubSubscriber();
    for (const [k, w] of [...watched]) {
      if (wanted.has(k)) continue;
      sub.unwatch(w.tenant, [w.runId]);
      watched.delete(k);
    }
    for (const k of wanted) {
      if (watched.has(k)) continue;
      const [tenant, runId] = k.split('\0') as [string, string];
      sub.watch(tenant, [runId]);
      watched.set(k, { tenant, runId });
    }
  };

  /** The active run for a document's keys, with the scope to read it through. */
  const resolve = async (keys: readonly string[]) =>
    session.use(async (listener) => {
      if (listener !== lastListener) {
        // Another backend, data directory or tenant: nothing cached still holds.
        cache.clear();
        lastListener = listener;
      }
      const tenant = listener.settings.activeTenant;
      const scope = listener.tenants.scope(tenant);
      const run = await cache.activeRun(tenant, scope, keys);
      return { tenant, scope, run };
    });

  const noteShown = (uri: string, tenant: string, run: ActiveRun | undefined) => {
    const doc = docs.get(uri);
    if (!doc) return;
    const next = run ? `${tenant}\0${run.runId}` : '';
    if (doc.shown === next) return;
    doc.shown = next;
    syncWatches();
  };

  connection.onDidOpenTextDocument(({ textDocument }) => {
    docs.set(textDocument.uri, { text: textDocument.text, calls: undefined, shown: undefined });
  });
  connection.onDidChangeTextDocument(({ textDocument, contentChanges }) => {
    const doc = docs.get(textDocument.uri);
    const last = contentChanges[contentChanges.length - 1];
    if (!doc || !last) return;
    // Full sync (INLINE_CAPABILITIES): every change carries the whole text.
    doc.text = last.text;
    doc.calls = undefined;
  });
  connection.onDidCloseTextDocument(({ textDocument }) => {
    docs.delete(textDocument.uri);
    syncWatches();
  });

  connection.onCodeLens(async ({ textDocument }): Promise<CodeLens[]> => {
    const doc = docs.get(textDocument.uri);
    if (!doc) return [];
    const found = calls(doc);
    if (found.length === 0) {
      noteShown(textDocument.uri, '', undefined);
      return [];
    }
    try {
      const { tenant, scope, run } = await resolve(metricKeys(found));
      noteShown(textDocument.uri, tenant, run);
      const lenses: CodeLens[] = [];
      for (const call of found) {
        for (const { key } of call.keys) {
          const range = { start: call.range.start, end: call.range.start };
          if (!run) {
            lenses.push({ range, command: { title: `${key} ${INLINE_NO_RUN}`, command: '' } });
            continue;
          }
          const series = await cache.series(tenant, scope, run.runId, key);
          lenses.push({
            range,
            command: { title: lensTitle(key, series.recent), command: INLINE_OPEN_LIVE_COMMAND, arguments: [run.runId, tenant] },
          });
        }
      }
      return lenses;
    } catch (err) {
      log(`inline metrics for a document failed: ${err instanceof Error ? err.message : String(err)}`);
      return [];
    }
  });

  connection.onHover(async ({ textDocument, position }): Promise<Hover | null> => {
    const doc = docs.get(textDocument.uri);
    if (!doc) return null;
    const found = calls(doc);
    const ref = found.flatMap((c) => c.keys).find((k) => contains(k.range, position));
    if (!ref) return null;
    try {
      const { tenant, scope, run } = await resolve(metricKeys(found));
      const series = run ? await cache.series(tenant, scope, run.runId, ref.key) : undefined;
      return { contents: { kind: 'markdown', value: hoverMarkdown(ref.key, tenant, run, series) }, range: ref.range };
    } catch (err) {
      log(`inline metrics hover failed: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  });

  // A new run becoming the active one is not a hub event for the runs already watched.
  const poll = setInterval(() => {
    if (!refreshSupported) return;
    void (async () => {
      for (const [uri, doc] of docs) {
        const found = doc.calls ?? [];
        if (found.length === 0 || doc.shown === undefined) continue;
        try {
          const { tenant, run } = await resolve(metricKeys(found));
          const next = run ? `${tenant}\0${run.runId}` : '';
          if (next !== doc.shown) {
            noteShown(uri, tenant, run);
            refresh();
          }
        } catch {
          // The daemon is switching or the backend is down; the next poll tries again.
        }
      }
    })();
  }, options.pollMs ?? POLL_MS);
  poll.unref();

  return {
    initialize(capabilities) {
      refreshSupported = capabilities.workspace?.codeLens?.refreshSupport === true;
    },
    dispose() {
      clearInterval(poll);
      refresher.dispose();
      subscriber?.close();
    },
  };
}

function contains(range: { start: Position; end: Position }, p: Position): boolean {
  const after = p.line > range.start.line || (p.line === range.start.line && p.character >= range.start.character);
  const before = p.line < range.end.line || (p.line === range.end.line && p.character <= range.end.character);
  return after && before;
}
