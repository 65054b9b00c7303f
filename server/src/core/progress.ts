import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { errnoOf } from './errors';
import { entryPath, type Layout } from './layout';

/** What a running job's handler last said of itself. */
export interface JobProgress {
  /** 0–100, when the handler gave a number. */
  percent?: number;
  message?: string;
  /** When it was reported (the file's mtime): also a sign that the handler is alive. */
  at: number;
}

/** A message longer than this is cut: it is a status line, not a log. */
export const MAX_PROGRESS_MESSAGE = 200;
/** Only the end of a progress file is read: a handler appending a line per step can grow it without cost to readers. */
const TAIL_BYTES = 4096;

/**
 * Progress lives in `.pacchettino/progress/<uuid>`, where the original never looks, one
 * file per running job that reports any. The format is one line, `<percent> <message>`
 * (`42 resizing`, `42% resizing`, or only a message), so a shell handler can write it with
 * `echo "42 resizing" >> "$PACCHETTINO_PROGRESS_FILE"`; the last whole line counts.
 * The library appends through one descriptor (ProgressWriter); readers take the last whole line.
 * The consumer removes it when the job is filed; recovery removes a dead consumer's.
 */
export function progressFile(layout: Layout, id: string): string {
  return entryPath(layout.progress, id);
}

export function formatProgress(percent: number | undefined, message: string | undefined): string {
  const pct = percent === undefined || !Number.isFinite(percent) ? undefined : Math.round(Math.min(100, Math.max(0, percent)) * 10) / 10;
  const text = (message ?? '').replace(/[\r\n]+/g, ' ').slice(0, MAX_PROGRESS_MESSAGE);
  return [pct === undefined ? '' : String(pct), text].filter(Boolean).join(' ') + '\n';
}

/** A handler's mistake, thrown at its call (a note that cannot be written is not: see the consumer's report). */
export function checkPercent(percent: number | undefined): void {
  if (percent !== undefined && (typeof percent !== 'number' || !Number.isFinite(percent))) {
    throw new TypeError(`job.progress(percent, message): percent must be a number from 0 to 100 or undefined, not ${String(percent)}`);
  }
}

/** Past this size a progress file is started afresh (a handler reporting ten times a second for hours, say). */
const ROTATE_BYTES = 64 * 1024;

/**
 * One running job's progress reports: lines appended to its file through one descriptor,
 * so a report is a single write(2), not a file made and renamed (which costs ext4 a fresh
 * inode each time). Readers take the last whole line, so they never see half of one.
 */
export class ProgressWriter {
  private fd?: number;
  private bytes = 0;

  constructor(
    private readonly layout: Layout,
    private readonly id: string,
  ) {}

  report(percent: number | undefined, message: string | undefined): void {
    checkPercent(percent);
    const line = formatProgress(percent, message);
    if (this.fd !== undefined && this.bytes > ROTATE_BYTES) this.rotate(line);
    else {
      this.fd ??= this.open();
      fs.writeSync(this.fd, line);
    }
    this.bytes += Buffer.byteLength(line);
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  /** At the job's end: the descriptor is freed even when close reports the mount's trouble (ENOTCONN), and a note is only a note. */
  closeQuietly(): void {
    try {
      this.close();
    } catch {
      this.fd = undefined;
    }
  }

  private open(): number {
    const file = progressFile(this.layout, this.id);
    try {
      return fs.openSync(file, 'a');
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT') throw err;
      fs.mkdirSync(this.layout.progress); // an older queue has no .pacchettino/progress yet; not recursive, so a removed queue stays removed
      return fs.openSync(file, 'a');
    }
  }

  /** A fresh file holding only the latest line, renamed over the old one: readers see one or the other. */
  private rotate(line: string): void {
    this.close();
    const tmp = entryPath(this.layout.progress, `.${this.id}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      fs.writeFileSync(tmp, line);
      fs.renameSync(tmp, progressFile(this.layout, this.id));
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    this.bytes = 0;
    this.fd = this.open();
  }
}

/** Reads `<percent> <message>`; undefined for an empty line. */
export function parseProgressLine(line: string): Omit<JobProgress, 'at'> | undefined {
  const text = line.trim();
  if (!text) return undefined;
  const m = /^(\d+(?:\.\d+)?)%?(?:\s+(.*))?$/s.exec(text);
  if (!m) return { message: text.slice(0, MAX_PROGRESS_MESSAGE) };
  const percent = Math.min(100, Number(m[1]));
  const message = m[2]?.trim().slice(0, MAX_PROGRESS_MESSAGE);
  return message ? { percent, message } : { percent };
}

/** The job's last reported progress, or undefined (none reported, or the job finished meanwhile). Never throws. */
export function readProgress(layout: Layout, id: string): JobProgress | undefined {
  let fd: number;
  try {
    fd = fs.openSync(progressFile(layout, id), 'r');
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    const len = Math.min(st.size, TAIL_BYTES);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, st.size - len);
    const lines = buf.toString('utf8').split('\n');
    // The last whole line: what follows the last newline may be a line still being written.
    const whole = lines.length > 1 ? lines.slice(0, -1) : lines;
    for (let i = whole.length - 1; i >= 0; i--) {
      const parsed = parseProgressLine(whole[i]);
      if (parsed) return { ...parsed, at: st.mtimeMs };
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

export function clearProgress(layout: Layout, id: string): void {
  try {
    fs.rmSync(progressFile(layout, id), { force: true });
  } catch {
    /* a leftover note is harmless: cleanup removes old ones */
  }
}

/** `42% · resizing`: how a progress reads in one line (the CLI's status; the VS Code tree says the same). */
export function progressText(p: Pick<JobProgress, 'percent' | 'message'>): string {
  return [p.percent !== undefined ? `${p.percent}%` : '', p.message ?? ''].filter(Boolean).join(' · ');
}
