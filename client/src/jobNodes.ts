// The Jobs tree's elements and how each one looks (label, codicon, tooltip,
// contextValue). contextValue is what package.json's menus key their `when` on:
// `queue` (or `queue.paused`, `queue.broken` when it cannot be read), `state.<state>` (then `.filtered`
// while a filter is on, and `.empty` while the state holds no job at all), `job.<state>`, `more`.
import * as vscode from 'vscode';
import type { QueueSummary, WireJob, WireJobState } from '@pacchettino/shared';
import { defaultView, filterLabel, hasFilter, sortLabel, type StateView } from './jobFilter';
import { queueLabel } from './queueLabel';
import { jobLiveTooltip, progressLabel, queueLiveLook } from './liveLook';

export interface QueueNode {
  kind: 'queue';
  path: string;
  summary: QueueSummary;
}
export interface StateNode {
  kind: 'state';
  parent: QueueNode;
  state: WireJobState;
  count: number;
  /** The filter and sort the node shows its jobs by (jobFilter.ts). */
  view: StateView;
  /** With a filter: how many jobs match, from the last page fetched. */
  matched?: number;
}
export interface JobNode {
  kind: 'job';
  parent: StateNode;
  job: WireJob;
}
export interface MoreNode {
  kind: 'more';
  parent: StateNode;
  shown: number;
  /** At the top of a page reached by Find: shows the jobs before it. */
  before?: boolean;
}
export type JobsNode = QueueNode | StateNode | JobNode | MoreNode;

const STATE_LOOK: Record<WireJobState, { icon: string; color?: string }> = {
  SCHEDULED: { icon: 'watch' },
  QUEUED: { icon: 'inbox' },
  PROCESSING: { icon: 'sync', color: 'charts.blue' },
  SUCCESS: { icon: 'pass', color: 'testing.iconPassed' },
  FAILED: { icon: 'error', color: 'testing.iconFailed' },
  INTERRUPTED: { icon: 'debug-disconnect', color: 'list.warningForeground' },
};

/** A state as a heading (the tree's state nodes, the details document). */
export function stateLabel(state: WireJobState): string {
  switch (state) {
    case 'SCHEDULED':
      return vscode.l10n.t('Scheduled');
    case 'QUEUED':
      return vscode.l10n.t('Queued');
    case 'PROCESSING':
      return vscode.l10n.t('Processing');
    case 'SUCCESS':
      return vscode.l10n.t('Success');
    case 'FAILED':
      return vscode.l10n.t('Failed');
    case 'INTERRUPTED':
      return vscode.l10n.t('Interrupted');
  }
}

/** A state as it qualifies jobs in a sentence ("all 3 failed jobs"); each language's messages place it. */
export function stateAdjective(state: WireJobState): string {
  switch (state) {
    case 'SCHEDULED':
      return vscode.l10n.t('scheduled');
    case 'QUEUED':
      return vscode.l10n.t('queued');
    case 'PROCESSING':
      return vscode.l10n.t('running');
    case 'SUCCESS':
      return vscode.l10n.t('succeeded');
    case 'FAILED':
      return vscode.l10n.t('failed');
    case 'INTERRUPTED':
      return vscode.l10n.t('interrupted');
  }
}

/** `spin` only where something is running: a spinner on an empty state would say otherwise. */
function stateIcon(state: WireJobState, spin = false): vscode.ThemeIcon {
  const look = STATE_LOOK[state];
  return new vscode.ThemeIcon(spin ? `${look.icon}~spin` : look.icon, look.color ? new vscode.ThemeColor(look.color) : undefined);
}

export function treeItemOf(node: JobsNode): vscode.TreeItem {
  switch (node.kind) {
    case 'queue':
      return queueItem(node);
    case 'state':
      return stateItem(node);
    case 'job':
      return jobItem(node);
    case 'more':
      return moreItem(node);
  }
}

function queueItem(node: QueueNode): vscode.TreeItem {
  const { summary } = node;
  const item = new vscode.TreeItem(queueLabel(node.path), vscode.TreeItemCollapsibleState.Expanded);
  item.id = `q:${node.path}`;
  item.resourceUri = vscode.Uri.file(node.path);
  const live = queueLiveLook(summary);
  item.contextValue = live.contextValue;
  if (summary.error) {
    // Only the menus that make sense on a folder that cannot be read: remove, reveal, settings.
    item.contextValue = 'queue.broken';
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    item.description = summary.error;
    item.collapsibleState = vscode.TreeItemCollapsibleState.None;
  } else {
    item.iconPath = live.icon ?? new vscode.ThemeIcon('folder-library');
    item.description = [live.description, summary.watching ? undefined : 'polling'].filter(Boolean).join(' · ') || undefined;
  }
  item.tooltip = new vscode.MarkdownString(
    [
      `**${node.path}**`,
      summary.error ? `$(warning) ${summary.error}` : summary.watching ? 'Watched for changes' : 'Polled: watching is unavailable here',
      ...live.tooltip,
    ].join('\n\n'),
    true,
  );
  return item;
}

function stateItem(node: StateNode): vscode.TreeItem {
  const item = new vscode.TreeItem(stateLabel(node.state), node.count > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = `s:${node.parent.path}:${node.state}`;
  const filtered = hasFilter(node.view);
  const sort = node.view.sort !== defaultView(node.state).sort || node.view.order !== defaultView(node.state).order ? sortLabel(node.view) : undefined;
  // e.g. "3 of 1,204 · filter: csv"; the count alone when nothing is filtered.
  item.description = [
    filtered
      ? vscode.l10n.t('{0} of {1}', node.matched?.toLocaleString('en-US') ?? '…', node.count.toLocaleString('en-US'))
      : node.count.toLocaleString('en-US'),
    filtered ? filterLabel(node.view.filter!) : undefined,
    sort,
  ]
    .filter(Boolean)
    .join(' · ');
  item.iconPath = stateIcon(node.state, node.state === 'PROCESSING' && node.count > 0);
  // `.empty`: the menus hide what would do nothing there (requeue all, clean up, filter, sort).
  item.contextValue = `state.${node.state.toLowerCase()}${filtered ? '.filtered' : ''}${node.count === 0 ? '.empty' : ''}`;
  item.tooltip = `${stateLabel(node.state)}: ${node.count.toLocaleString('en-US')} · ${node.parent.path}`;
  return item;
}

function jobItem(node: JobNode): vscode.TreeItem {
  const { job } = node;
  // A data job has no name; its id's time-ordered head tells neighbours apart.
  const item = new vscode.TreeItem(job.kind === 'file' ? (job.originalName ?? job.name) : vscode.l10n.t('data job'));
  item.id = `j:${node.parent.parent.path}:${job.state}:${job.name}`;
  // Attempts tell a retried job from a fresh one, and show a job that keeps failing.
  const waiting = job.state === 'QUEUED' || job.state === 'SCHEDULED';
  const attempts = (waiting && job.attempts > 0) || job.attempts > 1 ? `${job.attempts} attempt${job.attempts === 1 ? '' : 's'}` : '';
  const progress = job.state === 'PROCESSING' && job.progress ? progressLabel(job.progress) : '';
  item.description = [progress, job.reason ?? '', attempts, job.id.slice(0, 13)].filter(Boolean).join(' · ');
  item.iconPath = stateIcon(job.state, job.state === 'PROCESSING');
  item.contextValue = `job.${job.state.toLowerCase()}`;
  item.tooltip = jobTooltip(job);
  item.command = { command: 'pacchettino.openPayload', title: vscode.l10n.t('Open Payload'), arguments: [node] };
  return item;
}

function jobTooltip(job: WireJob): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(
    `$(${STATE_LOOK[job.state].icon}) **${stateLabel(job.state)}** · ${job.kind === 'file' ? vscode.l10n.t('file job') : vscode.l10n.t('data job')}\n\n`,
  );
  const rows: [string, string | undefined][] = [
    [vscode.l10n.t('id'), job.id],
    [vscode.l10n.t('file'), job.originalName],
    // ISO 8601 in UTC, as the CLI and Show Details write times: one format to compare.
    [vscode.l10n.t('sent at'), job.sentAt ? new Date(job.sentAt).toISOString() : undefined],
    [vscode.l10n.t('due at'), job.dueAt ? new Date(job.dueAt).toISOString() : undefined],
    [vscode.l10n.t('attempts'), String(job.attempts)],
    [vscode.l10n.t('owner host'), job.ownerHost],
    [vscode.l10n.t('owner pid'), job.ownerPid !== undefined ? String(job.ownerPid) : job.owner],
    [
      vscode.l10n.t('heartbeat'),
      job.heartbeatAgeMs !== undefined
        ? vscode.l10n.t('{0} s ago (lease {1} s)', (job.heartbeatAgeMs / 1000).toFixed(1), ((job.leaseMs ?? 0) / 1000).toFixed(0))
        : undefined,
    ],
    [vscode.l10n.t('size'), job.size !== undefined ? vscode.l10n.t('{0} bytes', job.size) : undefined],
    [vscode.l10n.t('failure reason'), job.reason],
  ];
  for (const [k, v] of rows) if (v !== undefined && v !== '') md.appendMarkdown(`${k}: \`${v.replace(/`/g, "'")}\`  \n`);
  for (const line of jobLiveTooltip(job)) md.appendMarkdown(`${line}  \n`);
  return md;
}

function moreItem(node: MoreNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.before ? vscode.l10n.t('Show earlier…') : vscode.l10n.t('Load more…'));
  item.id = `m:${node.parent.parent.path}:${node.parent.state}${node.before ? ':before' : ''}`;
  item.description = node.before ? vscode.l10n.t('{0} before', node.shown) : vscode.l10n.t('{0} of {1}', node.shown, node.parent.matched ?? node.parent.count);
  item.iconPath = new vscode.ThemeIcon('ellipsis');
  item.contextValue = 'more';
  item.command = { command: 'pacchettino.loadMore', title: vscode.l10n.t('Load More'), arguments: [node] };
  return item;
}
