/**
 * How far from a folder's mtime (or ctime) a look must be taken to be trusted. Times move
 * in kernel ticks (~4 ms), so a second change within the tick of the first leaves the time
 * as it was: a listing (or a fingerprint) taken that close may have missed it. 50 ms is a
 * dozen ticks, and a clock read a little behind the file system's.
 */
export const MTIME_TICK_SLACK_MS = 50;
