// Sending files through the worker with a cancellable progress notification: at once for
// many files (sent in batches), or once the worker says a copy takes a while (a large file).
// Cancel cancels the request in flight: the worker stops the copy in hand and queues nothing
// of it, and no later batch is sent.
import * as path from 'node:path';
import bytes from 'bytes';
import * as vscode from 'vscode';
import type { EnqueueProgressParams, EnqueueResult } from '@pacchettino/shared';
import type { WorkerClient } from './workerClient';

/** Above this many files the progress shows from the start (the worker's copies may each be quick). */
const SHOW_AT_ONCE_ABOVE = 20;
const BATCH = 50;

let requests = 0;

export interface SendFiles {
  queue: string;
  files: string[];
  delayMs?: number;
  title: string;
  /** A program's (a test's) stand-in for the notification's Cancel button. */
  cancellation?: vscode.CancellationToken;
}

export async function sendFiles(worker: WorkerClient, req: SendFiles): Promise<EnqueueResult> {
  const cancel = new vscode.CancellationTokenSource();
  const progress = new ProgressNotification(req.title, req.files.length, cancel);
  const progressToken = `enqueue-${process.pid}-${++requests}`;
  const subs = [
    cancel,
    progress,
    worker.onDidReportEnqueueProgress((p) => p.token === progressToken && progress.copying(p)),
    ...(req.cancellation ? [req.cancellation.onCancellationRequested(() => cancel.cancel())] : []),
  ];
  if (req.files.length > SHOW_AT_ONCE_ABOVE) progress.show();
  const outcome: EnqueueResult = { ids: [], errors: [] };
  try {
    for (let i = 0; i < req.files.length; i += BATCH) {
      if (cancel.token.isCancellationRequested) {
        outcome.cancelled = true;
        break;
      }
      const files = req.files.slice(i, i + BATCH);
      const r = await worker.enqueueFiles({ queue: req.queue, files, delayMs: req.delayMs, progressToken }, cancel.token);
      outcome.ids.push(...r.ids);
      outcome.errors.push(...r.errors);
      if (r.cancelled) outcome.cancelled = true;
      progress.sent(i + files.length, outcome.ids.length);
    }
  } finally {
    for (const s of subs) s.dispose();
  }
  return outcome;
}

/** One notification per send, shown lazily; its Cancel cancels the send's token source. */
class ProgressNotification implements vscode.Disposable {
  private report?: (value: { message?: string; increment?: number }) => void;
  private shown = false;
  private finish!: () => void;
  private readonly finished = new Promise<void>((resolve) => (this.finish = resolve));
  private done = 0;
  private reported = 0;
  private message = '';

  constructor(
    private readonly title: string,
    private readonly count: number,
    private readonly cancel: vscode.CancellationTokenSource,
  ) {}

  show(): void {
    if (this.shown) return;
    this.shown = true;
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: this.title, cancellable: true }, (progress, token) => {
      token.onCancellationRequested(() => this.cancel.cancel());
      this.report = (value) => progress.report(value);
      this.update(0);
      return this.finished;
    });
  }

  /** The worker's word on the copy in hand. */
  copying(p: EnqueueProgressParams): void {
    this.show();
    this.message = vscode.l10n.t('{0}: {1} of {2}', path.basename(p.file), bytes(p.bytes) ?? '', bytes(p.size) ?? '');
    this.update(p.size > 0 ? Math.min(1, p.bytes / p.size) : 0, p.index);
  }

  /** A batch came back: `files` of the send are done, `ids` of them queued. */
  sent(files: number, ids: number): void {
    this.done = files;
    if (this.count > 1) this.message = vscode.l10n.t('{0} of {1} files sent', ids, this.count);
    this.update(0);
  }

  private update(fractionOfFile: number, index = this.done): void {
    const percent = (100 * Math.min(this.count, index + fractionOfFile)) / this.count;
    // VS Code's increments add up: report only what was gained since the last report.
    this.report?.({ message: this.message, increment: Math.max(0, percent - this.reported) });
    this.reported = Math.max(this.reported, percent);
  }

  dispose(): void {
    this.finish();
  }
}
