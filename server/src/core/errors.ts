/**
 * Errors the queue raises on purpose. `code` is stable for programs (the CLI maps
 * it to a sysexits status); `message` says what went wrong and what to do.
 */
export type QueueErrorCode =
  | 'NOT_A_DIRECTORY' // the queue path exists and is not a directory
  | 'NOT_A_QUEUE' // opened with create: false, and the path is not a queue (yet)
  | 'FILE_NOT_FOUND' // a file to send does not exist
  | 'NOT_A_FILE' // a file to send is a directory or a device
  | 'UNREADABLE' // a file to send cannot be read
  | 'NAME_TOO_LONG' // a file's base name is over the protocol's 200 bytes
  | 'BAD_NAME' // a job name or id that does not fit the protocol
  | 'NOT_KEPT' // asking about a state the keep policy discards
  | 'NO_SPACE' // the file system is full
  | 'NO_ACCESS' // permission denied on the queue's folders
  | 'NOT_FOUND' // no job with that id in the queue
  | 'BUSY' // the job is queued or running, so it cannot be requeued or deleted now
  | 'AMBIGUOUS' // an id prefix or file name that names more than one job
  | 'BAD_OPTION' // an option or argument outside its allowed range (see bounds.ts)
  | 'OWNER_LOST' // a consumer's owner lock or lease was lost (a warning: it goes on as a new owner)
  | 'UNREACHABLE' // the queue's file system does not answer now (a network mount cut off from its server)
  | 'IO'; // any other file-system failure

export class QueueError extends Error {
  readonly code: QueueErrorCode;
  constructor(code: QueueErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QueueError';
    this.code = code;
  }
}

/** Turns a Node fs error into a QueueError naming what we were doing, so callers see one kind of error. */
export function fsFailure(doing: string, err: unknown): QueueError {
  if (err instanceof QueueError) return err;
  const e = err as NodeJS.ErrnoException;
  // Node's fs messages already start with the code ("EACCES: permission denied, ..."): say it once.
  const detail = e && e.code ? (e.message.startsWith(`${e.code}:`) ? e.message : `${e.code}: ${e.message}`) : String(err);
  switch (e?.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new QueueError('NO_SPACE', `No space left on device while ${doing}; free some space and try again (${detail})`, { cause: err });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new QueueError('NO_ACCESS', `Permission denied while ${doing} (${detail})`, { cause: err });
    default:
      if (isUnreachable(err))
        return new QueueError('UNREACHABLE', `The queue's file system does not answer (a network mount cut off from its server?) while ${doing} (${detail})`, {
          cause: err,
        });
      return new QueueError('IO', `I/O error while ${doing} (${detail})`, { cause: err });
  }
}

export function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

const OUT_OF_RESOURCES = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'ENOMEM']);

/**
 * What a network file system's client answers while it cannot reach its server: a FUSE
 * client that died or lost its connection (ENOTCONN: sshfs, GlusterFS), NFS's stale handles
 * and timeouts, SMB's host down. Not EIO: a local disk failing says that too, and that is a fault.
 */
const UNREACHABLE = new Set([
  'ENOTCONN',
  'ESTALE',
  'ETIMEDOUT',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'ENETDOWN',
  'ENETUNREACH',
  'ECONNRESET',
  'ECONNABORTED',
  'ECONNREFUSED',
  'ENOLINK',
  'ECOMM',
]);

/** Whether an error (or one it wraps) has one of `codes`. */
function hasCode(err: unknown, codes: ReadonlySet<string>): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = errnoOf(e);
    if (code && codes.has(code)) return true;
  }
  return false;
}

/** Whether an error (or one it wraps) means "no room now" (descriptors, processes, memory): worth waiting out, not a fault. */
export function isOutOfResources(err: unknown): boolean {
  return hasCode(err, OUT_OF_RESOURCES);
}

/** Whether an error (or one it wraps) means the file system does not answer now: worth waiting out, not a fault of the queue. */
export function isUnreachable(err: unknown): boolean {
  return (err instanceof QueueError && err.code === 'UNREACHABLE') || hasCode(err, UNREACHABLE);
}

/**
 * Whether a failed move or removal is about that one entry (its name is taken by a folder,
 * it is a folder, its name is too long...) rather than about the queue as a whole (no
 * permission, no space, a read-only or failing disk). The first costs that entry, with a
 * warning; the second stops the operation, as any consumer must then stop too.
 */
export function isEntryFault(err: unknown): boolean {
  const code = errnoOf(err);
  return code !== undefined && ENTRY_FAULTS.has(code);
}

const ENTRY_FAULTS = new Set(['EISDIR', 'ENOTEMPTY', 'EEXIST', 'ENOTDIR', 'ENAMETOOLONG', 'ELOOP', 'EINVAL', 'EBUSY', 'EMLINK', 'EXDEV']);
