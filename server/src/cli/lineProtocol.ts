/**
 * The line protocol of `consume --persistent` (README: "Persistent handlers"), typed once.
 *
 * It runs over file descriptor 3 of the handler, a socket, both ways. Not over stdin and
 * stdout: whatever the handler (or a library it calls, or a program it runs) prints on
 * stdout cannot be taken for an answer, and a program it runs cannot swallow the next job by
 * reading stdin. Its stdout and stderr stay its log, passed through and kept with the job as
 * in the process-per-job mode; its stdin is /dev/null.
 *
 * In, one line per job, fields separated by a tab:
 *     <id> TAB <kind> TAB <attempt> TAB <path> TAB <name> LF
 * id: the bare uuid; kind: `data` or `file`; attempt: 1 on the first run; path: the payload
 * (a data job's bytes are that file: the handler reads it); name: a file job's original
 * name, empty for data. A backslash, tab, newline or carriage return inside a field is
 * written `\\`, `\t`, `\n`, `\r` (as printf %b reads them); other bytes are as they are, so a
 * path that is not UTF-8 reaches the handler with its own bytes.
 *
 * Out, any number of progress lines, then one result line, per job:
 *     PROGRESS <percent> [<message>]        42 resizing, as the progress file takes
 *     SUCCESS | FAILED [<reason>] | RETRY [<reason>]
 * Anything else on fd 3, or a line while no job is in hand, is a protocol error: the
 * handler is stopped and restarted, and the job in hand FAILED with the line as the reason.
 */
import { fsPath, type Job, type Result } from '../core';
import { displayName } from '../core';

/** The handler's descriptor for the protocol, also given to it as PACCHETTINO_PROTOCOL_FD. */
export const PROTOCOL_FD = 3;
/** A line from the handler longer than this is a protocol error (a handler writing a binary to fd 3, say). */
export const MAX_LINE_BYTES = 64 * 1024;

const ESCAPED: Record<number, string> = { 0x5c: '\\\\', 0x09: '\\t', 0x0a: '\\n', 0x0d: '\\r' };

function escapeField(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  if (!bytes.some((b) => b in ESCAPED)) return bytes;
  const parts: Buffer[] = [];
  let from = 0;
  bytes.forEach((b, i) => {
    const esc = ESCAPED[b];
    if (esc === undefined) return;
    parts.push(bytes.subarray(from, i), Buffer.from(esc, 'latin1'));
    from = i + 1;
  });
  parts.push(bytes.subarray(from));
  return Buffer.concat(parts);
}

/** The job's line, as bytes (a path that is not UTF-8 keeps its bytes). */
export function jobLine(job: Job): Buffer {
  const fields = [job.id, job.kind, String(job.attempt), fsPath(job.path), job.kind === 'file' ? displayName(job.originalName) : ''];
  const tab = Buffer.from('\t');
  return Buffer.concat([...fields.flatMap((f, i) => (i === 0 ? [escapeField(f)] : [tab, escapeField(f)])), Buffer.from('\n')]);
}

export type HandlerLine = { kind: 'result'; result: Result; reason?: string } | { kind: 'progress'; text: string } | { kind: 'unknown' };

const RESULT_LINE = /^(SUCCESS|FAILED|RETRY)(?:[ \t]+(.*))?$/s;
const PROGRESS_LINE = /^PROGRESS(?:[ \t]+(.*))?$/s;

/** One line from the handler, without its newline (a trailing CR is dropped: a handler on a CRLF runtime). */
export function parseHandlerLine(line: string): HandlerLine {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  const r = RESULT_LINE.exec(text);
  if (r) return r[2]?.trim() ? { kind: 'result', result: r[1] as Result, reason: r[2].trim() } : { kind: 'result', result: r[1] as Result };
  const p = PROGRESS_LINE.exec(text);
  if (p) return { kind: 'progress', text: p[1] ?? '' };
  return { kind: 'unknown' };
}
