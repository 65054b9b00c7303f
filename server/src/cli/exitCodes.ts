import { QueueError, type QueueErrorCode } from '../core';

/**
 * What scripts and CI can branch on (README's table is written from this one): sysexits(3)
 * for errors, 1 for a `consume --once` whose jobs failed, and env(1)'s 126/127 for a handler
 * command that cannot be run or found.
 */
export const EX = {
  OK: 0,
  JOBS_FAILED: 1,
  USAGE: 64,
  DATAERR: 65,
  NOINPUT: 66,
  /** `consume --persistent`/`--module`: the handler died before answering any job CRASH_LOOP_STARTS times in a row (startGuard.ts). */
  SOFTWARE: 70,
  CANTCREAT: 73,
  IOERR: 74,
  TEMPFAIL: 75,
  NOPERM: 77,
  CANNOT_EXECUTE: 126,
  COMMAND_NOT_FOUND: 127,
  /** Not sysexits: consume had jobs taken over by another consumer (which took it for dead); they are in interrupted/. */
  LOST: 76,
} as const;

const BY_CODE: Record<QueueErrorCode, number> = {
  FILE_NOT_FOUND: EX.NOINPUT,
  NOT_A_FILE: EX.NOINPUT,
  UNREADABLE: EX.NOINPUT,
  NOT_FOUND: EX.NOINPUT,
  BUSY: EX.TEMPFAIL,
  // A value out of its range (core/bounds.ts): the command line must change.
  BAD_OPTION: EX.USAGE,
  NOT_A_QUEUE: EX.NOINPUT,
  OWNER_LOST: EX.TEMPFAIL,
  // A network mount cut off: the same command works once it is back.
  UNREACHABLE: EX.TEMPFAIL,
  NAME_TOO_LONG: EX.DATAERR,
  BAD_NAME: EX.DATAERR,
  AMBIGUOUS: EX.DATAERR,
  NOT_KEPT: EX.DATAERR,
  NOT_A_DIRECTORY: EX.CANTCREAT,
  NO_ACCESS: EX.NOPERM,
  NO_SPACE: EX.IOERR,
  IO: EX.IOERR,
};

/** A mistake in how the command was called: exit 64 with the message. */
export class UsageError extends Error {}

/** A handler command that cannot be run: exit 126 (found, not runnable) or 127 (not found), before any job is claimed. */
export class HandlerCommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** A failure already reported on stderr; it only decides the exit code. */
export class ReportedError extends Error {
  constructor(readonly cause: unknown) {
    super('');
  }
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof ReportedError) return exitCodeOf(err.cause);
  if (err instanceof UsageError) return EX.USAGE;
  if (err instanceof HandlerCommandError) return err.exitCode;
  if (err instanceof QueueError) return BY_CODE[err.code] ?? EX.IOERR;
  return EX.IOERR;
}
