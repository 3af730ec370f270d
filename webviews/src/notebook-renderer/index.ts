/**
 * The notebook renderer for `application/vnd.matih.live+json` (the output of `matih.live()`): a
 * canvas line chart of the run's metrics that keeps redrawing while the cell trains. Data comes
 * from the extension over the renderer messaging channel (`requiresMessaging: "always"`): the
 * history once, then live points. The output's JSON and every message are validated on arrival
 * (protocol/src/notebook-renderer.ts); everything is drawn on the canvas or set with `textContent`.
 */
import './zodSetup.ts';
import { boundsOf, formatTick, latest, niceTicks, PALETTE, polyline, SeriesStore } from './chart.ts';
import type { Rect } from './chart.ts';
import { ExtensionToRenderer, LiveOutput } from './messages.ts';
import type { RendererToExtension } from './messages.ts';

/** The part of VS Code's renderer API (`vscode-notebook-renderer`) this renderer uses. */
interface OutputItem {
  readonly id: string;
  readonly mime: string;
  json(): unknown;
}
interface RendererContext {
  postMessage?(message: unknown): void;
  onDidReceiveMessage?(listener: (message: unknown) => void): { dispose(): void };
}
interface RendererApi {
  renderOutputItem(item: OutputItem, element: HTMLElement, signal?: AbortSignal): void;
  disposeOutputItem?(id?: string): void;
}

class LiveView {
  readonly store = new SeriesStore();
  readonly #root: HTMLElement;
  readonly #title: HTMLElement;
  readonly #note: HTMLElement;
  readonly #canvas: HTMLCanvasElement;
  readonly #legend: HTMLElement;
  readonly #resize: ResizeObserver;
  #drawn = -1;
  #frame = 0;
  #status = '';
  #disposed = false;

  readonly output: LiveOutput;

  constructor(element: HTMLElement, output: LiveOutput) {
    this.output = output;
    element.replaceChildren();
    this.#root = el('div', 'matih-live');
    this.#root.style.cssText = 'font-family: var(--vscode-font-family); font-size: 12px; color: var(--vscode-foreground);';
    this.#title = el('div');
    this.#title.style.cssText = 'margin-bottom: 4px; opacity: 0.85;';
    this.#note = el('div');
    this.#note.style.cssText = 'margin: 4px 0; opacity: 0.8;';
    this.#canvas = document.createElement('canvas');
    this.#canvas.style.cssText = 'width: 100%; height: 240px; display: block;';
    this.#canvas.setAttribute('role', 'img');
    this.#legend = el('div');
    this.#legend.style.cssText = 'display: flex; flex-wrap: wrap; gap: 4px 14px; margin-top: 4px;';
    this.#root.append(this.#title, this.#note, this.#canvas, this.#legend);
    element.append(this.#root);
    this.setNote('Waiting for the run\u2019s metrics\u2026');
    this.#updateTitle();
    this.#resize = new ResizeObserver(() => this.#schedule(true));
    this.#resize.observe(this.#canvas);
  }

  setNote(text: string): void {
    this.#note.textContent = text;
    this.#note.style.display = text === '' ? 'none' : 'block';
  }

  setStatus(status: string | undefined): void {
    if (status === undefined || status === this.#status) return;
    this.#status = status;
    this.#updateTitle();
  }

  changed(): void {
    this.#schedule(false);
  }

  dispose(): void {
    this.#disposed = true;
    this.#resize.disconnect();
    cancelAnimationFrame(this.#frame);
  }

  #updateTitle(): void {
    const status = this.#status === '' ? '' : ` \u00b7 ${this.#status.toLowerCase()}`;
    this.#title.textContent = `Run ${this.output.run_id} \u00b7 ${this.output.tenant}${status}`;
  }

  /** Draws on the next animation frame, at most once per frame however many points arrive. */
  #schedule(force: boolean): void {
    if (force) this.#drawn = -1;
    if (this.#frame !== 0 || this.#disposed) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      if (this.store.version !== this.#drawn) this.#draw();
    });
  }

  #draw(): void {
    this.#drawn = this.store.version;
    const canvas = this.#canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, canvas.clientWidth);
    const height = Math.max(1, canvas.clientHeight);
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const ctx = canvas.getContext('2d');
    if (ctx === null) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const series = this.store.all();
    const bounds = boundsOf(series);
    this.#drawLegend(series);
    if (bounds === undefined) return;
    if (series.length > 0) this.setNote('');
    const style = getComputedStyle(this.#root);
    const fg = style.getPropertyValue('--vscode-foreground').trim() || '#888';
    const grid = style.getPropertyValue('--vscode-editorWidget-border').trim() || 'rgba(128,128,128,0.3)';
    const plot: Rect = { x: 56, y: 8, width: Math.max(1, width - 64), height: Math.max(1, height - 28) };

    ctx.font = '11px var(--vscode-font-family, sans-serif)';
    ctx.lineWidth = 1;
    ctx.strokeStyle = grid;
    ctx.fillStyle = fg;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of niceTicks(bounds.yMin, bounds.yMax, 4)) {
      const y = plot.y + plot.height - ((t - bounds.yMin) / (bounds.yMax - bounds.yMin)) * plot.height;
      line(ctx, plot.x, y, plot.x + plot.width, y);
      ctx.fillText(formatTick(t), plot.x - 6, y);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of niceTicks(bounds.xMin, bounds.xMax, 6)) {
      if (!Number.isInteger(t)) continue;
      const x = plot.x + ((t - bounds.xMin) / (bounds.xMax - bounds.xMin)) * plot.width;
      ctx.fillText(formatTick(t), x, plot.y + plot.height + 6);
    }

    ctx.lineWidth = 1.5;
    ctx.lineJoin = 'round';
    series.forEach((s, i) => {
      ctx.strokeStyle = PALETTE[i % PALETTE.length]!;
      for (const segment of polyline(s, bounds, plot)) {
        ctx.beginPath();
        segment.forEach(([x, y], j) => (j === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
        if (segment.length === 1) ctx.arc(segment[0]![0], segment[0]![1], 1.5, 0, 2 * Math.PI);
        ctx.stroke();
      }
    });
    this.#canvas.setAttribute('aria-label', `Metrics of run ${this.output.run_id}: ${series.map((s) => s.key).join(', ')}`);
  }

  #drawLegend(series: ReturnType<SeriesStore['all']>): void {
    const items = series.map((s, i) => {
      const item = el('span');
      const swatch = el('span');
      swatch.style.cssText = `display: inline-block; width: 10px; height: 3px; margin-right: 4px; vertical-align: middle; background: ${PALETTE[i % PALETTE.length]};`;
      const last = latest(s);
      const text = el('span');
      text.textContent = last === undefined ? s.key : `${s.key} ${formatTick(last.value)} @ ${last.step}`;
      item.append(swatch, text);
      return item;
    });
    this.#legend.replaceChildren(...items);
  }
}

function el(tag: string, className?: string): HTMLElement {
  const e = document.createElement(tag);
  if (className !== undefined) e.className = className;
  return e;
}

function line(ctx: CanvasRenderingContext2D, x1: number, y1: number, x2: number, y2: number): void {
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x2, y2);
  ctx.stroke();
}

function safeJson(item: OutputItem): unknown {
  try {
    return item.json();
  } catch {
    return undefined;
  }
}

export function activate(context: RendererContext): RendererApi {
  const views = new Map<string, LiveView>();
  const post = (message: RendererToExtension): void => context.postMessage?.(message);

  context.onDidReceiveMessage?.((raw) => {
    const parsed = ExtensionToRenderer.safeParse(raw);
    if (!parsed.success) {
      console.warn(`MATIH live renderer: ignored a malformed message: ${parsed.error.issues[0]?.message ?? ''}`);
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'history': {
        const view = views.get(message.outputId);
        if (view === undefined) return;
        view.store.clear();
        for (const s of message.series) view.store.add(s.key, s.points);
        view.setStatus(message.status);
        view.setNote(message.series.length === 0 ? 'No metrics logged yet; the chart grows as they arrive.' : '');
        view.changed();
        return;
      }
      case 'points':
        for (const view of views.values()) {
          if (view.output.run_id !== message.runId || view.output.tenant !== message.tenant) continue;
          for (const s of message.series) view.store.add(s.key, s.points);
          view.setStatus(message.status);
          view.changed();
        }
        return;
      case 'error':
        views.get(message.outputId)?.setNote(message.message);
        return;
    }
  });

  const dispose = (id: string): void => {
    const view = views.get(id);
    if (view === undefined) return;
    views.delete(id);
    view.dispose();
    post({ type: 'unwatch', outputId: id });
  };

  return {
    renderOutputItem(item, element) {
      dispose(item.id);
      const parsed = LiveOutput.safeParse(safeJson(item));
      if (!parsed.success) {
        element.textContent = `This MATIH live output is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'output'}: ${i.message}`).join('; ')}`;
        return;
      }
      const data = parsed.data;
      const view = new LiveView(element, data);
      views.set(item.id, view);
      if (context.postMessage === undefined) {
        view.setNote('Live charts need the MATIH Experiments extension.');
        return;
      }
      post({ type: 'watch', outputId: item.id, runId: data.run_id, tenant: data.tenant });
    },
    disposeOutputItem(id) {
      if (id === undefined) for (const key of [...views.keys()]) dispose(key);
      else dispose(id);
    },
  };
}
