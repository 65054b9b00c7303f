import * as fs from 'node:fs';
import { fsPath } from './fsName';

/** The code of the error readQueueFile throws for something that is not a regular file. */
export const NOT_REGULAR = 'NOT_REGULAR';

/**
 * The text of a small file of the queue (a record, an owner file, a registration). Anyone
 * can lay anything in a queue folder, so it is opened without blocking (a FIFO would hang an
 * open for reading, and the whole process with it) and without following a link, and read
 * only if it is a regular file; else it throws with code NOT_REGULAR (or ELOOP for a link).
 */
export function readQueueFile(file: string): string {
  const fd = fs.openSync(fsPath(file), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  try {
    if (!fs.fstatSync(fd).isFile()) throw Object.assign(new Error(`${file} is not a regular file`), { code: NOT_REGULAR });
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}
