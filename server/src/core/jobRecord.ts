import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { errnoOf } from './errors';
import { fsyncDirs, fsyncPath } from './durability';

/** What the original never kept: how often a job ran and why it did not succeed. */
export interface JobRecord {
  attempts: number;
  lastResult?: 'FAILED' | 'RETRY' | 'INTERRUPTED';
  reason?: string;
  exitCode?: number | null;
  signal?: string | null;
  /** The tail of the handler's output (stdout and stderr), when a command ran it. */
  output?: string;
  updatedAt: number;
}

/** What a handler may say beside its result. */
export interface FailureDetail {
  reason?: string;
  exitCode?: number | null;
  signal?: string | null;
  output?: string;
}

export const MAX_OUTPUT_CHARS = 64 * 1024;

/**
 * One small JSON file per job that ever failed, retried or was interrupted, under
 * `.pacchettino/meta/<uuid>.json`. Jobs that succeed first time cost nothing here.
 * Writes are write-to-temp + rename, so a reader never sees half a record.
 */
export class JobRecords {
  constructor(
    private readonly dir: string,
    private readonly durable: boolean,
  ) {}

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  read(id: string): JobRecord | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.file(id), 'utf8');
    } catch (err) {
      if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENAMETOOLONG') return undefined;
      throw err;
    }
    try {
      const rec = JSON.parse(text) as JobRecord;
      return typeof rec.attempts === 'number' ? rec : undefined;
    } catch {
      return undefined; // a damaged record must not stop the job
    }
  }

  attempts(id: string): number {
    return this.read(id)?.attempts ?? 0;
  }

  /** Records one more run that ended in `result`. */
  recordRun(id: string, result: JobRecord['lastResult'], detail: FailureDetail = {}): JobRecord {
    const prev = this.read(id);
    const rec: JobRecord = {
      attempts: (prev?.attempts ?? 0) + 1,
      lastResult: result,
      reason: detail.reason,
      exitCode: detail.exitCode,
      signal: detail.signal,
      output: detail.output !== undefined ? tail(detail.output) : undefined,
      updatedAt: Date.now(),
    };
    this.write(id, rec);
    return rec;
  }

  write(id: string, rec: JobRecord): void {
    const tmp = path.join(this.dir, `.${id}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      fs.writeFileSync(tmp, JSON.stringify(rec));
      if (this.durable) fsyncPath(tmp);
      fs.renameSync(tmp, this.file(id));
      if (this.durable) fsyncDirs(this.dir);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
  }

  remove(id: string): void {
    fs.rmSync(this.file(id), { force: true });
  }
}

function tail(s: string): string {
  return s.length > MAX_OUTPUT_CHARS ? '…' + s.slice(s.length - MAX_OUTPUT_CHARS) : s;
}
