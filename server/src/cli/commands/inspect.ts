import { LISTABLE_STATES, progressText, type AttemptRecord, type ListableState } from '../../core';
import { EX, UsageError } from '../exitCodes';
import { openQueue } from '../openQueue';
import { parseCount, type QueueFlags } from '../options';
import { countsTable, jobsTable, printable, printJson, timeText } from '../output';

export function status(queuePath: string, id: string | undefined, flags: QueueFlags & { json?: boolean }): number {
  const queue = openQueue(queuePath, flags, 'read-only');
  if (id === undefined) {
    const counts = queue.counts();
    const paused = queue.pausedBy();
    if (flags.json) printJson({ queue: queue.layout.base, counts, paused });
    else {
      process.stdout.write(countsTable(counts) + '\n');
      if (paused) process.stdout.write(`paused since ${timeText(paused.since)}\n`);
      const running = counts.PROCESSING > 0 ? queue.list('PROCESSING', { limit: 20 }).jobs.filter((j) => j.progress) : [];
      for (const j of running) process.stdout.write(`running     ${j.id}  ${printable(progressText(j.progress!))}\n`);
    }
    return 0;
  }
  const details = queue.details(id);
  if (!details) {
    // Still answers UNKNOWN (as the library's status() does), but a script can tell by the code.
    if (flags.json) printJson({ id, state: 'UNKNOWN' });
    else process.stdout.write('UNKNOWN\n');
    process.stderr.write(`pacchettino: no job ${printable(id)} in ${printable(queue.layout.base)}\n`);
    return EX.NOINPUT;
  }
  if (flags.json) printJson(details);
  else {
    const lines = [
      details.state,
      `id        ${details.id}`,
      `name      ${printable(details.name)}`,
      `sent at   ${details.sentAt ? timeText(details.sentAt) : '?'}`,
      `attempts  ${details.attempts}`,
    ];
    if (details.dueAt) lines.push(`due at    ${timeText(details.dueAt)}`);
    if (details.owner) lines.push(`owner     ${printable(details.owner)}`);
    if (details.progress) lines.push(`progress  ${printable(progressText(details.progress))}`);
    if (details.reason) lines.push(`reason    ${printable(details.reason)}`);
    for (const run of details.record?.history ?? []) lines.push(attemptLine(run));
    if (details.record?.output) lines.push('output:', printable(details.record.output.trimEnd(), { keepLines: true }));
    process.stdout.write(lines.join('\n') + '\n');
  }
  return 0;
}

/** `attempt 2  2026-…Z  1.2 s  FAILED exit 3: reason`: one line per run in the record's history. */
function attemptLine(run: AttemptRecord): string {
  const took = run.startedAt !== undefined ? `  ${((run.endedAt - run.startedAt) / 1000).toFixed(1)} s` : '';
  const exit = run.exitCode !== undefined && run.exitCode !== null ? ` exit ${run.exitCode}` : run.signal ? ` ${run.signal}` : '';
  return `attempt ${run.attempt}  ${timeText(run.endedAt)}${took}  ${run.result}${exit}${run.reason ? `: ${printable(run.reason)}` : ''}`;
}

export function parseState(text: string): ListableState {
  const state = text.toUpperCase() as ListableState;
  if (!LISTABLE_STATES.includes(state))
    throw new UsageError(`state must be one of ${LISTABLE_STATES.map((s) => s.toLowerCase()).join(', ')}; not ${JSON.stringify(text)}`);
  return state;
}

export function ls(queuePath: string, stateText: string, flags: QueueFlags & { json?: boolean; limit: string; offset: string; desc?: boolean }): number {
  const state = parseState(stateText);
  const paging = {
    limit: parseCount(flags.limit, '--limit', 0),
    offset: parseCount(flags.offset, '--offset', 0),
    order: flags.desc ? ('desc' as const) : ('asc' as const),
  };
  const queue = openQueue(queuePath, flags, 'read-only');
  const page = queue.list(state, paging);
  if (flags.json) printJson(page);
  else {
    process.stdout.write(jobsTable(page.jobs) + '\n');
    if (page.total > page.offset + page.jobs.length) process.stdout.write(`… ${page.total - page.offset - page.jobs.length} more (--offset, --limit)\n`);
  }
  return 0;
}
