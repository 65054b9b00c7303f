import * as fs from 'node:fs';
import { nameFromBytes } from '../core';

/**
 * process.argv with each argument that was not valid UTF-8 (a Latin-1 file name a shell
 * passed) as the queue's lossless string for its bytes (see core/fsName.ts). Node decodes
 * argv as UTF-8 and puts U+FFFD where a byte was not, so the name is lost there; Linux keeps
 * our argv's bytes in /proc/self/cmdline, whose last entries are the user's arguments.
 */
export function argvKeepingBytes(argv: string[]): string[] {
  if (!argv.slice(2).some((a) => a.includes('\ufffd'))) return argv;
  let raw: Buffer[];
  try {
    const cmdline = fs.readFileSync('/proc/self/cmdline');
    raw = [];
    for (let start = 0, i = 0; i < cmdline.length; i++) {
      if (cmdline[i] === 0) {
        raw.push(cmdline.subarray(start, i));
        start = i + 1;
      }
    }
  } catch {
    return argv; // no /proc: such an argument stays as Node decoded it
  }
  const args = argv.slice(2);
  const tail = raw.slice(raw.length - args.length);
  // Only when every argument matches its bytes as Node decoded them do we trust the mapping.
  if (tail.length !== args.length || tail.some((b, i) => b.toString('utf8') !== args[i])) return argv;
  return [...argv.slice(0, 2), ...args.map((a, i) => (a.includes('\ufffd') ? nameFromBytes(tail[i]) : a))];
}
