import { inspect } from 'node:util';
import bytes from 'bytes';
import type { Counts, JobEvent, JobInfo } from '../core';

/**
 * Text from a queue (file names, reasons) made safe to print: control characters (C0,
 * DEL, C1, which a terminal reads as commands: escape sequences, a newline that breaks a
 * table), the bidirectional overrides that make a name read backwards, and backslashes
 * become visible escapes, as `ls -b` does. Every line of ours that
 * shows such text goes through here. `keepLines` leaves newlines and tabs of multi-line
 * text (a handler's output) alone.
 */
export function printable(text: string, opts: { keepLines?: boolean } = {}): string {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return text.replace(/[\x00-\x1f\x7f-\x9f\\\u200e\u200f\u202a-\u202e\u2066-\u2069\udc80-\udcff]/g, (c) => {
    if (opts.keepLines && (c === '\n' || c === '\t')) return c;
    const code = c.charCodeAt(0);
    // A byte of a name that is not valid UTF-8, kept by the core as U+DC00+byte (core/fsName.ts).
    if (code >= 0xdc80 && code <= 0xdcff) return `\\x${(code - 0xdc00).toString(16)}`;
    return ESCAPES[c] ?? (code > 0xff ? `\\u{${code.toString(16)}}` : `\\x${code.toString(16).padStart(2, '0')}`);
  });
}
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\x1b': '\\e' };

/** How much of what a handler should not have sent (a line, a returned value) a job's reason shows. */
const EXCERPT_CHARS = 120;

/** The start of `text`, made printable, with `…` when cut: a reason quotes it, not a whole binary. */
export function excerpt(text: string): string {
  if (text.length <= EXCERPT_CHARS) return printable(text);
  // Not between the two halves of a surrogate pair.
  const end = /[\ud800-\udbff]/.test(text[EXCERPT_CHARS - 1]) ? EXCERPT_CHARS - 1 : EXCERPT_CHARS;
  return printable(text.slice(0, end)) + '…';
}

/** What a handler threw (or a thread died of), readable whatever it is: an Error's message, a string, or the value inspected. */
export function thrownText(value: unknown): string {
  if (value instanceof Error) return value.message;
  return typeof value === 'string' ? value : inspect(value, { depth: 2, breakLength: Infinity });
}

/** The one time format of everything we show (CLI, tree tooltips, Show Details): ISO 8601 in UTC. */
export function timeText(ms: number): string {
  return new Date(ms).toISOString();
}

/** Sizes for people (`1.2 KB`; bytes below 1 KB); --json keeps the raw byte count. */
export function sizeText(n: number): string {
  return n < 1024 ? `${n} B` : (bytes(n, { decimalPlaces: 1, unitSeparator: ' ' }) ?? `${n} B`);
}

/** Names longer than this are cut in the middle in tables (the id beside them stays whole); --json has them whole. */
const MAX_NAME_COLUMNS = 40;

function clip(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const head = Math.ceil((max - 1) / 2);
  return chars.slice(0, head).join('') + '…' + chars.slice(chars.length - (max - 1 - head)).join('');
}

/** Display width in columns, counting code points (as clip does), not UTF-16 units. */
function columns(text: string): number {
  return [...text].length;
}

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
  if (e.filed === 'LOST') return `LOST ${e.id} ${e.ms}ms (the handler answered ${e.result}): ${e.lostReason ?? 'taken over by another consumer'}`;
  let line = `${e.result} ${e.id} ${e.ms}ms`;
  if (e.exitCode !== undefined && e.exitCode !== null && e.exitCode !== 0) line += ` exit ${e.exitCode}`;
  if (e.result !== 'SUCCESS' && e.reason) line += `: ${printable(e.reason)}`;
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

/** What `START` and `ls` call a job: its file name, made printable, or `(data)`. */
export function jobLabel(j: { kind: 'data' | 'file'; originalName?: string }): string {
  return j.kind === 'file' ? printable(j.originalName ?? '') : '(data)';
}

export function jobsTable(jobs: JobInfo[]): string {
  const rows = jobs.map((j) => [
    j.id,
    clip(jobLabel(j), MAX_NAME_COLUMNS),
    j.size === undefined ? '' : sizeText(j.size),
    j.sentAt ? timeText(j.sentAt) : '',
    String(j.attempts),
    printable(j.dueAt ? `due ${timeText(j.dueAt)}` : j.owner ? `owner ${j.owner}` : (j.reason ?? '')),
  ]);
  const header = ['ID', 'NAME', 'SIZE', 'SENT', 'ATTEMPTS', 'NOTE'];
  const rightAligned = new Set([2, 4]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => columns(r[i]))));
  const pad = (c: string, i: number) => {
    const fill = ' '.repeat(widths[i] - columns(c));
    return rightAligned.has(i) ? fill + c : c + fill;
  };
  // The last column is free-form and unbounded: nothing after it to push out of line.
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : pad(c, i)))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)].join('\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
