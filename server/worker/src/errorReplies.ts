import { ErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver/node';
import { QueueError } from 'pacchettino';
import { WorkerErrorCodes, type WireErrorCode } from '@pacchettino/shared';
import type { WorkerLog } from './workerLog';

/**
 * Turns whatever a handler throws into the reply the client gets, so no request can take
 * the worker down and every failure reads the same way:
 * - ResponseError (bad params, unknown or unreadable queue): as it is;
 * - QueueError (the core refused: no space, no access, ...): QueueFailed, with its code in `data`;
 * - anything else is a bug: InternalError, and the stack goes to the log.
 */
export function toResponseError(method: string, err: unknown, log: WorkerLog): ResponseError<unknown> {
  if (err instanceof ResponseError) return err;
  if (err instanceof QueueError) return new ResponseError(WorkerErrorCodes.QueueFailed, err.message, { code: err.code });
  log.error(`${method} failed unexpectedly: ${err instanceof Error ? err.stack : String(err)}`);
  return new ResponseError(ErrorCodes.InternalError, `${method} failed: ${messageOf(err)} (details in the worker's log)`);
}

/**
 * Wraps a request handler with toResponseError, also for what an async handler rejects with.
 * Params arrive as `unknown`: the handler's guard types them.
 */
export function guarded<R>(
  method: string,
  log: WorkerLog,
  handler: (params: unknown, token?: CancellationToken) => R,
): (params: unknown, token?: CancellationToken) => R {
  return (params: unknown, token?: CancellationToken) => {
    try {
      const result = handler(params, token);
      if (!(result instanceof Promise)) return result;
      return result.catch((err: unknown) => {
        throw toResponseError(method, err, log);
      }) as R;
    } catch (err) {
      throw toResponseError(method, err, log);
    }
  };
}

/** The core's code of a QueueError (what ItemError.code carries), else undefined. */
export function codeOf(err: unknown): WireErrorCode | undefined {
  return err instanceof QueueError ? err.code : undefined;
}

/** What a thrown value says: the text of a per-item failure in an `errors` array, or of a log line. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
