import { QueueError, type QueueErrorCode } from '../core';

/** sysexits(3): what scripts and CI can branch on. */
export const EX = {
  OK: 0,
  USAGE: 64,
  DATAERR: 65,
  NOINPUT: 66,
  CANTCREAT: 73,
  IOERR: 74,
  TEMPFAIL: 75,
  NOPERM: 77,
} as const;

const BY_CODE: Record<QueueErrorCode, number> = {
  FILE_NOT_FOUND: EX.NOINPUT,
  NOT_A_FILE: EX.NOINPUT,
  UNREADABLE: EX.NOINPUT,
  NOT_FOUND: EX.NOINPUT,
  BUSY: EX.TEMPFAIL,
  // A value out of its range (core/bounds.ts): the command line must change.
  BAD_OPTION: EX.USAGE,
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

/** A failure already reported on stderr; it only decides the exit code. */
export class ReportedError extends Error {
  constructor(readonly cause: unknown) {
    super('');
  }
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof ReportedError) return exitCodeOf(err.cause);
  if (err instanceof UsageError) return EX.USAGE;
  if (err instanceof QueueError) return BY_CODE[err.code] ?? EX.IOERR;
  return EX.IOERR;
}
