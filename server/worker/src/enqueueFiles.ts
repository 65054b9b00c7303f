/**
 * The enqueueFiles request: each file copied with the core's sendFileAsync, so a 1 GB file
 * does not hold the request loop (the tree's listings, other queues' summaries, the polls
 * are answered between its chunks). Its progress is told to the client once the copy has
 * taken a while, and the request's cancellation aborts the copy in hand (the core removes
 * its tmp/ file; nothing is queued for it) and skips the files after it.
 */
import type { CancellationToken } from 'vscode-languageserver/node';
import type { Pacchettino } from 'pacchettino';
import type { EnqueueFilesParams, EnqueueProgressParams, EnqueueResult, ItemError } from '@pacchettino/shared';
import { codeOf, messageOf } from './errorReplies';

/** A request quicker than this sends no progress at all: the client shows none for an ordinary send. */
export const PROGRESS_AFTER_MS = 250;
/** Then at most one notification per this many ms. */
const PROGRESS_EVERY_MS = 100;

export async function enqueueFiles(
  q: Pacchettino,
  p: EnqueueFilesParams,
  token: CancellationToken,
  report: (progress: EnqueueProgressParams) => void,
): Promise<EnqueueResult> {
  const abort = new AbortController();
  const cancelled = token.onCancellationRequested(() => abort.abort());
  if (token.isCancellationRequested) abort.abort();
  const started = Date.now();
  let lastReport = 0;
  const ids: string[] = [];
  const errors: ItemError[] = [];
  try {
    for (const [index, file] of p.files.entries()) {
      if (abort.signal.aborted) return { ids, errors, cancelled: true };
      const onProgress = (bytes: number, size: number) => {
        const now = Date.now();
        if (!p.progressToken || now - started < PROGRESS_AFTER_MS || now - lastReport < PROGRESS_EVERY_MS) return;
        lastReport = now;
        report({ token: p.progressToken, file, index, count: p.files.length, bytes, size });
      };
      try {
        ids.push(await q.sendFileAsync(file, { move: p.move, delay: p.delayMs, signal: abort.signal, onProgress }));
      } catch (err) {
        if (abort.signal.aborted && err === abort.signal.reason) return { ids, errors, cancelled: true };
        errors.push({ item: file, message: messageOf(err), code: codeOf(err) });
      }
    }
    return { ids, errors };
  } finally {
    cancelled.dispose();
  }
}
