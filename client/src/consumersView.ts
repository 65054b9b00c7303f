// The Consumers view: per queue, who is consuming it now (our consumers, tasks, and any
// process holding a job, the D library's included), the job each has in hand, for how
// long and how far along. Read from the worker (ConsumersRequest) when the queue's pushed
// summary moves, and every few seconds while shown, so "for how long" keeps counting.
import * as vscode from 'vscode';
import { ConsumersRequest, type QueueSummary, type WireConsumer, type WireConsumerJob } from '@pacchettino/shared';
import { queueLabel } from './queueLabel';
import { progressLabel, relativeTime, shortDuration } from './liveLook';
import type { WorkerClient } from './workerClient';

export interface ConsumersQueueNode {
  kind: 'consumersQueue';
  path: string;
  summary?: QueueSummary;
}
export interface ConsumerNode {
  kind: 'consumer';
  parent: ConsumersQueueNode;
  consumer: WireConsumer;
}
export interface HeldJobNode {
  kind: 'heldJob';
  parent: ConsumerNode;
  job: WireConsumerJob;
}
export type ConsumersViewNode = ConsumersQueueNode | ConsumerNode | HeldJobNode;

/** While shown with jobs in hand: how often "for 12 s" moves on. */
const TICK_MS = 2000;

export class ConsumersView implements vscode.TreeDataProvider<ConsumersViewNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<ConsumersViewNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private view?: vscode.TreeView<ConsumersViewNode>;
  private ticker?: NodeJS.Timeout;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly worker: WorkerClient,
    private readonly queuePaths: () => string[],
  ) {
    this.disposables.push(worker.onDidChangeQueues(() => this.refresh()));
  }

  attach(view: vscode.TreeView<ConsumersViewNode>): void {
    this.view = view;
    this.disposables.push(view.onDidChangeVisibility(() => this.refresh()));
  }

  refresh(): void {
    if (this.view && !this.view.visible) return;
    this.emitter.fire(undefined);
  }

  getTreeItem(node: ConsumersViewNode): vscode.TreeItem {
    if (node.kind === 'consumersQueue') return queueItem(node);
    if (node.kind === 'consumer') return consumerItem(node);
    return heldJobItem(node);
  }

  getParent(node: ConsumersViewNode): ConsumersViewNode | undefined {
    return node.kind === 'consumersQueue' ? undefined : node.parent;
  }

  async getChildren(node?: ConsumersViewNode): Promise<ConsumersViewNode[]> {
    if (!node) {
      const summaries = new Map(this.worker.queues.map((s) => [s.path, s]));
      return this.queuePaths().map((p) => ({ kind: 'consumersQueue', path: p, summary: summaries.get(p) }));
    }
    if (node.kind === 'consumersQueue') {
      if (node.summary?.error) return [];
      let consumers: WireConsumer[];
      try {
        consumers = await this.worker.request(ConsumersRequest.type, { queue: node.path });
      } catch {
        return []; // the worker restarting; its next push refreshes
      }
      this.keepTicking(consumers.some((c) => c.jobs.length > 0));
      return consumers.map((consumer) => ({ kind: 'consumer', parent: node, consumer }));
    }
    if (node.kind === 'consumer') return node.consumer.jobs.map((job) => ({ kind: 'heldJob', parent: node, job }));
    return [];
  }

  private keepTicking(on: boolean): void {
    if (on && !this.ticker) this.ticker = setInterval(() => this.refresh(), TICK_MS);
    if (!on && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  dispose(): void {
    clearInterval(this.ticker);
    for (const d of this.disposables) d.dispose();
    this.emitter.dispose();
  }
}

function queueItem(node: ConsumersQueueNode): vscode.TreeItem {
  const item = new vscode.TreeItem(queueLabel(node.path), vscode.TreeItemCollapsibleState.Expanded);
  item.id = `cq:${node.path}`;
  item.contextValue = 'consumersQueue';
  const s = node.summary;
  const n = s?.consumers ?? 0;
  const waiting = s?.counts?.QUEUED ?? 0;
  if (s?.error) {
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    item.description = s.error;
  } else if (n === 0 && waiting > 0 && s?.paused === undefined) {
    item.iconPath = new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('list.warningForeground'));
    item.description = vscode.l10n.t('no consumer · {0} queued', waiting);
  } else {
    item.iconPath = new vscode.ThemeIcon(s?.paused !== undefined ? 'debug-pause' : 'folder-library');
    item.description = [s?.paused !== undefined ? vscode.l10n.t('paused') : '', n === 1 ? vscode.l10n.t('1 consumer') : vscode.l10n.t('{0} consumers', n)]
      .filter(Boolean)
      .join(' · ');
  }
  item.tooltip = node.path;
  return item;
}

function consumerItem(node: ConsumerNode): vscode.TreeItem {
  const c = node.consumer;
  const who = c.pid !== undefined ? vscode.l10n.t('pid {0}', c.pid) : c.owner;
  const item = new vscode.TreeItem(
    c.host ? `${who} @ ${c.host}` : who,
    c.jobs.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
  );
  item.id = `c:${node.parent.path}:${c.owner}`;
  item.contextValue = c.registered ? 'consumer' : 'consumer.foreign';
  item.iconPath = new vscode.ThemeIcon(c.jobs.length ? 'gear~spin' : 'gear', c.jobs.length ? new vscode.ThemeColor('charts.blue') : undefined);
  item.description = [
    c.jobs.length === 1 ? vscode.l10n.t('1 job in hand') : c.jobs.length ? vscode.l10n.t('{0} jobs in hand', c.jobs.length) : vscode.l10n.t('idle'),
    c.command ?? '',
  ]
    .filter(Boolean)
    .join(' · ');
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`$(gear) **${who}**${c.host ? ` @ ${c.host}` : ''}\n\n`);
  if (c.since !== undefined) md.appendMarkdown(`${vscode.l10n.t('running since {0} ({1})', new Date(c.since).toISOString(), relativeTime(c.since))}  \n`);
  if (c.command) md.appendMarkdown(`${vscode.l10n.t('runs')}: \`${c.command.replace(/`/g, "'")}\`  \n`);
  md.appendMarkdown(`${vscode.l10n.t('owner')}: \`${c.owner}\`  \n`);
  if (!c.registered) md.appendMarkdown(`\n${vscode.l10n.t('Seen only through the jobs it holds (a consumer of the D library, say).')}`);
  item.tooltip = md;
  return item;
}

function heldJobItem(node: HeldJobNode): vscode.TreeItem {
  const j = node.job;
  const base = j.name.startsWith('fle-') ? j.name.slice(41) : vscode.l10n.t('data job');
  const item = new vscode.TreeItem(base);
  item.id = `h:${node.parent.parent.path}:${j.name}`;
  item.contextValue = 'heldJob';
  item.iconPath = new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue'));
  item.description = [vscode.l10n.t('for {0}', shortDuration(Date.now() - j.since)), j.progress ? progressLabel(j.progress) : '', j.id.slice(0, 13)]
    .filter(Boolean)
    .join(' · ');
  item.tooltip = `${j.id}\n${j.name}`;
  return item;
}
