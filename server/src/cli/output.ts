import type { Counts, JobEvent, JobInfo } from '../core';

let atLineStart = true;

/** Passes a handler's output through to our stdout, remembering whether it ended a line; false when stdout is full (wait for 'drain'). */
export function passThrough(chunk: Buffer): boolean {
  if (chunk.length) atLineStart = chunk[chunk.length - 1] === 0x0a;
  return process.stdout.write(chunk);
}

/** Writes a line of ours on a line of its own, even after handler output that did not end one. */
export function writeLine(line: string): void {
  process.stdout.write((atLineStart ? '' : '\n') + line + '\n');
  atLineStart = true;
}

/** One line per finished job, the format the VS Code task terminal shows: `<RESULT> <id> <ms>ms[ exit N][: reason]`. */
export function jobLine(e: JobEvent & { exitCode?: number | null }): string {
  let line = `${e.result} ${e.id} ${e.ms}ms`;
  if (e.exitCode !== undefined && e.exitCode !== null && e.exitCode !== 0) line += ` exit ${e.exitCode}`;
  if (e.result !== 'SUCCESS' && e.reason) line += `: ${e.reason}`;
  if (e.filed === 'SCHEDULED') line += ' (scheduled for a later retry)';
  if (e.result === 'RETRY' && e.filed === 'FAILED') line += ' (out of attempts: failed)';
  if (e.notStarted) line += ' (not started: back in queued/, no attempt counted)';
  return line;
}

export function countsTable(counts: Counts): string {
  return Object.entries(counts)
    .map(([state, n]) => `${state.toLowerCase().padEnd(12)}${n}`)
    .join('\n');
}

export function jobsTable(jobs: JobInfo[]): string {
  const rows = jobs.map((j) => [
    j.id,
    j.kind === 'file' ? (j.originalName ?? '') : '(data)',
    j.size === undefined ? '' : String(j.size),
    j.sentAt ? new Date(j.sentAt).toISOString() : '',
    String(j.attempts),
    j.dueAt ? `due ${new Date(j.dueAt).toISOString()}` : j.owner ? `owner ${j.owner}` : (j.reason ?? ''),
  ]);
  const header = ['ID', 'NAME', 'SIZE', 'SENT', 'ATTEMPTS', 'NOTE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)].join('\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
