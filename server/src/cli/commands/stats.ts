import type { QueueStats, StatsWindow } from '../../core';
import { openQueue } from '../openQueue';
import type { QueueFlags } from '../options';
import { printJson } from '../output';

/**
 * The throughput picture the VS Code chart draws, as text: per bucket (a minute over the
 * last hour, a quarter hour over the last day with --day) the jobs finished by result and
 * the queue's depth, from the queue's history (.pacchettino/history/).
 */
export function stats(queuePath: string, flags: QueueFlags & { json?: boolean; day?: boolean }): number {
  const queue = openQueue(queuePath, flags, 'read-only');
  if (flags.json) {
    printJson({ queue: queue.layout.base, hour: queue.stats('hour'), day: queue.stats('day') });
    return 0;
  }
  const window: StatsWindow = flags.day ? 'day' : 'hour';
  process.stdout.write(statsTable(queue.stats(window), window) + '\n');
  return 0;
}

export function statsTable(s: QueueStats, window: StatsWindow): string {
  const sum = (k: 'success' | 'failed' | 'retried' | 'interrupted') => s.buckets.reduce((n, b) => n + b[k], 0);
  const depths = s.buckets.filter((b) => b.depth !== undefined);
  const per = window === 'hour' ? 'minute' : '15 minutes';
  const lines = [
    `last ${window}: ${sum('success')} succeeded, ${sum('failed')} failed, ${sum('retried')} retried, ${sum('interrupted')} interrupted` +
      (depths.length ? `; ${depths[depths.length - 1].depth} queued at the last sample` : ''),
    `per ${per} (buckets with no job and no sample are left out):`,
    ['TIME (UTC)', 'SUCCESS', 'FAILED', 'RETRIED', 'INTERRUPTED', 'QUEUED'].map((h, i) => (i ? h.padStart(11) : h.padEnd(16))).join(''),
  ];
  for (const b of s.buckets) {
    if (b.success + b.failed + b.retried + b.interrupted === 0 && b.depth === undefined) continue;
    const cells = [b.success, b.failed, b.retried, b.interrupted].map((n) => String(n).padStart(11));
    lines.push(
      new Date(b.start).toISOString().slice(0, 16).replace('T', ' ').padEnd(16) + cells.join('') + (b.depth === undefined ? '-' : String(b.depth)).padStart(11),
    );
  }
  return lines.join('\n');
}
