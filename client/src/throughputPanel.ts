// The throughput chart: per queue, jobs finished per minute (last hour) or per quarter hour
// (last day) by result, and the queue's depth, from the worker's StatsRequest. A webview,
// because a chart is a picture: themed with VS Code's colour variables, a strict CSP with
// nonces, no network and no local resources; the data goes in by postMessage.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { StatsRequest, type WireStats } from '@pacchettino/shared';
import { queueLabel } from './queueLabel';
import type { WorkerClient } from './workerClient';

/** What the webview reports back after drawing: for the tests, and the output log. */
export interface ChartRendered {
  window: 'hour' | 'day';
  bars: number;
  success: number;
  failed: number;
  retried: number;
  interrupted: number;
}

/** A burst of pushes redraws at most this often; an idle queue still moves on every minute. */
const REDRAW_MIN_MS = 2000;
const REDRAW_IDLE_MS = 60_000;

export class ThroughputPanels implements vscode.Disposable {
  private readonly panels = new Map<string, ThroughputPanel>();
  private readonly rendered = new vscode.EventEmitter<ChartRendered & { queue: string }>();
  /** Fires each time a chart has been drawn in its webview. */
  readonly onDidRender = this.rendered.event;

  constructor(private readonly worker: WorkerClient) {}

  show(queue: string): ThroughputPanel {
    let panel = this.panels.get(queue);
    if (panel) panel.reveal();
    else {
      panel = new ThroughputPanel(
        this.worker,
        queue,
        (r) => this.rendered.fire({ ...r, queue }),
        () => this.panels.delete(queue),
      );
      this.panels.set(queue, panel);
    }
    return panel;
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
    this.rendered.dispose();
  }
}

export class ThroughputPanel implements vscode.Disposable {
  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];
  private timer?: NodeJS.Timeout;
  private lastDraw = 0;
  private window: 'hour' | 'day' = 'hour';

  constructor(
    private readonly worker: WorkerClient,
    private readonly queue: string,
    private readonly onRendered: (r: ChartRendered) => void,
    private readonly onClosed: () => void,
  ) {
    this.panel = vscode.window.createWebviewPanel(
      'pacchettino.throughput',
      vscode.l10n.t('Throughput: {0}', queueLabel(queue)),
      vscode.ViewColumn.Active,
      // No local resources at all: everything the page needs is inline, under the CSP's nonce.
      { enableScripts: true, localResourceRoots: [], retainContextWhenHidden: false },
    );
    this.panel.webview.html = chartHtml(randomBytes(16).toString('base64'));
    this.disposables.push(
      this.panel.webview.onDidReceiveMessage((m: { type: string; window?: 'hour' | 'day'; rendered?: ChartRendered }) => {
        if (m.type === 'ready') void this.draw();
        if (m.type === 'window' && (m.window === 'hour' || m.window === 'day')) {
          this.window = m.window;
          void this.draw();
        }
        if (m.type === 'rendered' && m.rendered) this.onRendered(m.rendered);
      }),
      this.panel.onDidChangeViewState(() => this.panel.visible && void this.draw()),
      this.panel.onDidDispose(() => this.dispose()),
      worker.onDidChangeQueues(() => this.soon()),
    );
  }

  reveal(): void {
    this.panel.reveal();
  }

  private soon(): void {
    if (this.timer || !this.panel.visible) return;
    this.timer = setTimeout(() => void this.draw(), Math.max(0, REDRAW_MIN_MS - (Date.now() - this.lastDraw)));
  }

  private async draw(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.draw(), REDRAW_IDLE_MS);
    this.lastDraw = Date.now();
    let stats: WireStats;
    try {
      stats = await this.worker.request(StatsRequest.type, { queue: this.queue, window: this.window });
    } catch (err) {
      await this.panel.webview.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      return;
    }
    await this.panel.webview.postMessage({ type: 'stats', window: this.window, stats, labels: labels(), language: vscode.env.language });
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
    this.onClosed();
  }
}

function labels(): Record<string, string> {
  return {
    success: vscode.l10n.t('succeeded'),
    failed: vscode.l10n.t('failed'),
    retried: vscode.l10n.t('retried'),
    interrupted: vscode.l10n.t('interrupted'),
    depth: vscode.l10n.t('queued'),
    hour: vscode.l10n.t('Last hour (per minute)'),
    day: vscode.l10n.t('Last day (per 15 minutes)'),
    empty: vscode.l10n.t('No job finished in this window yet.'),
  };
}

/** The page: a style and a script, both under a fresh nonce; the CSP allows nothing else. */
function chartHtml(nonce: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style nonce="${nonce}">
  body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); padding: 12px 16px; }
  .tabs button { color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground); border: none; padding: 4px 10px; margin-right: 4px; cursor: pointer; }
  .tabs button.on { color: var(--vscode-button-foreground); background: var(--vscode-button-background); }
  .legend span { margin-right: 14px; white-space: nowrap; }
  .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; }
  .success { fill: var(--vscode-charts-green); background: var(--vscode-charts-green); }
  .failed { fill: var(--vscode-charts-red); background: var(--vscode-charts-red); }
  .retried { fill: var(--vscode-charts-yellow); background: var(--vscode-charts-yellow); }
  .interrupted { fill: var(--vscode-charts-orange); background: var(--vscode-charts-orange); }
  .depth { stroke: var(--vscode-charts-blue); fill: none; stroke-width: 2; background: var(--vscode-charts-blue); }
  .axis { stroke: var(--vscode-editorWidget-border, var(--vscode-foreground)); stroke-opacity: .4; }
  text { fill: var(--vscode-descriptionForeground); font-size: 11px; }
  #totals { margin: 8px 0; }
  svg { width: 100%; height: 280px; }
</style></head>
<body>
<div class="tabs"><button id="hour" class="on"></button><button id="day"></button></div>
<div id="totals"></div>
<div class="legend" id="legend"></div>
<svg id="chart" viewBox="0 0 960 280" preserveAspectRatio="none" role="img"></svg>
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
const KINDS = ['success', 'failed', 'retried', 'interrupted'];
const NS = 'http://www.w3.org/2000/svg';
const el = (name, attrs) => { const e = document.createElementNS(NS, name); for (const k in attrs) e.setAttribute(k, attrs[k]); return e; };
for (const w of ['hour', 'day']) document.getElementById(w).addEventListener('click', () => vscode.postMessage({ type: 'window', window: w }));
window.addEventListener('message', (ev) => {
  const m = ev.data;
  if (m.type === 'error') { document.getElementById('totals').textContent = m.message; return; }
  if (m.type !== 'stats') return;
  const { stats, labels } = m;
  for (const w of ['hour', 'day']) { const b = document.getElementById(w); b.textContent = labels[w]; b.className = w === m.window ? 'on' : ''; }
  const legend = document.getElementById('legend');
  legend.replaceChildren(...[...KINDS, 'depth'].map((k) => { const s = document.createElement('span'); const i = document.createElement('i'); i.className = k; s.append(i, labels[k]); return s; }));
  const totals = Object.fromEntries(KINDS.map((k) => [k, stats.buckets.reduce((n, b) => n + b[k], 0)]));
  document.getElementById('totals').textContent = KINDS.some((k) => totals[k]) ? KINDS.map((k) => totals[k] + ' ' + labels[k]).join(' · ') : labels.empty;
  const svg = document.getElementById('chart');
  svg.replaceChildren();
  const W = 960, H = 280, top = 10, bottom = 24, left = 36, n = stats.buckets.length;
  const peak = Math.max(1, ...stats.buckets.map((b) => KINDS.reduce((s, k) => s + b[k], 0)));
  const deep = Math.max(1, ...stats.buckets.map((b) => b.depth ?? 0));
  const bw = (W - left) / n;
  const y = (v, max) => H - bottom - (v / max) * (H - top - bottom);
  svg.append(el('line', { x1: left, y1: H - bottom, x2: W, y2: H - bottom, class: 'axis' }));
  const peakLabel = el('text', { x: 2, y: top + 10 }); peakLabel.textContent = String(peak); svg.append(peakLabel);
  let bars = 0;
  stats.buckets.forEach((b, i) => {
    let base = H - bottom;
    for (const k of KINDS) {
      if (!b[k]) continue;
      const h = (b[k] / peak) * (H - top - bottom);
      base -= h;
      svg.append(el('rect', { x: left + i * bw + 1, y: base, width: Math.max(1, bw - 2), height: h, class: k }));
      bars++;
    }
  });
  const points = stats.buckets.map((b, i) => (b.depth === undefined ? null : (left + i * bw + bw / 2) + ',' + y(b.depth, deep))).filter(Boolean);
  if (points.length) svg.append(el('polyline', { points: points.join(' '), class: 'depth' }));
  const fmt = new Intl.DateTimeFormat(m.language, { hour: '2-digit', minute: '2-digit' });
  for (const i of [0, Math.floor(n / 2), n - 1]) { const t = el('text', { x: i === n - 1 ? W : left + i * bw, y: H - 6, 'text-anchor': i === n - 1 ? 'end' : 'start' }); t.textContent = fmt.format(new Date(stats.buckets[i].start)); svg.append(t); }
  vscode.postMessage({ type: 'rendered', rendered: { window: m.window, bars, ...totals } });
});
vscode.postMessage({ type: 'ready' });
</script></body></html>`;
}
