// How the live state reads in the views: a queue paused or without consumers, a running
// job's progress, when a scheduled job (a retry, say) is due. Pure functions of the wire
// types, shared by the Jobs tree, the Consumers view and the status bar.
import * as vscode from 'vscode';
import type { QueueSummary, WireJob, WireProgress } from '@pacchettino/shared';

/** `42% · resizing`, as `pacchettino status` prints it. */
export function progressLabel(p: Pick<WireProgress, 'percent' | 'message'>): string {
  return [p.percent !== undefined ? `${p.percent}%` : '', p.message ?? ''].filter(Boolean).join(' · ');
}

/** "in 5 minutes", "3 seconds ago", in the display language. */
export function relativeTime(at: number, now = Date.now()): string {
  const fmt = new Intl.RelativeTimeFormat(vscode.env.language, { numeric: 'auto' });
  const s = Math.round((at - now) / 1000);
  const abs = Math.abs(s);
  if (abs < 60) return fmt.format(s, 'second');
  if (abs < 3600) return fmt.format(Math.round(s / 60), 'minute');
  if (abs < 86_400) return fmt.format(Math.round(s / 3600), 'hour');
  return fmt.format(Math.round(s / 86_400), 'day');
}

/** A duration in hand: `4 s`, `3 min`, `2 h`. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return vscode.l10n.t('{0} s', s);
  if (s < 3600) return vscode.l10n.t('{0} min', Math.round(s / 60));
  return vscode.l10n.t('{0} h', Math.round(s / 360) / 10);
}

export interface QueueLiveLook {
  /** `queue` or `queue.paused`: the menus' `when` clauses show Pause or Resume by it. */
  contextValue: string;
  icon?: vscode.ThemeIcon;
  description?: string;
  tooltip: string[];
}

export function queueLiveLook(summary: QueueSummary): QueueLiveLook {
  const tooltip: string[] = [];
  if (summary.paused !== undefined) {
    tooltip.push(
      `$(debug-pause) ${vscode.l10n.t('Paused {0}: consumers of this extension take no new job (the D library’s consumers do not know about pausing).', relativeTime(summary.paused))}`,
    );
    return {
      contextValue: 'queue.paused',
      icon: new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('list.warningForeground')),
      description: vscode.l10n.t('paused'),
      tooltip,
    };
  }
  const queued = summary.counts?.QUEUED ?? 0;
  if (summary.consumers !== undefined) {
    tooltip.push(summary.consumers === 1 ? vscode.l10n.t('1 consumer running') : vscode.l10n.t('{0} consumers running', summary.consumers));
    // Only when it matters (as Bull Board's "no workers"): jobs wait and nobody takes them.
    if (summary.consumers === 0 && queued > 0) {
      return {
        contextValue: 'queue',
        icon: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('list.warningForeground')),
        description: vscode.l10n.t('no consumer'),
        tooltip: [
          `$(circle-slash) ${queued === 1 ? vscode.l10n.t('1 job queued and no consumer running: start a consumer task.') : vscode.l10n.t('{0} jobs queued and no consumer running: start a consumer task.', queued)}`,
        ],
      };
    }
  }
  return { contextValue: 'queue', tooltip };
}

/** Tooltip lines a job gets beyond its fields: its progress, and when it is due (a retry's next run). */
export function jobLiveTooltip(job: WireJob): string[] {
  const lines: string[] = [];
  if (job.state === 'PROCESSING' && job.progress) {
    lines.push(`$(loading~spin) ${vscode.l10n.t('Progress: {0} (reported {1})', progressLabel(job.progress) || '…', relativeTime(job.progress.at))}`);
  }
  if (job.state === 'SCHEDULED' && job.dueAt !== undefined) {
    const when = `${relativeTime(job.dueAt)} (${new Date(job.dueAt).toISOString()})`;
    lines.push(`$(watch) ${job.attempts > 0 ? vscode.l10n.t('Next retry due {0}', when) : vscode.l10n.t('Due {0}', when)}`);
  }
  return lines;
}
