// Refuses a handler command that cannot run before any job is claimed: otherwise every
// job in the queue would be claimed, fail with ENOENT and land in failed/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import which from 'which';
import { EX, HandlerCommandError } from './exitCodes';
import { printable } from './output';

/**
 * Resolves `command` as spawn would (PATH, or a path relative to the cwd), to an absolute
 * path; throws HandlerCommandError when it cannot be run. Spawning that path, not the name,
 * spares each job's child the PATH search (an execve per PATH entry before the right one).
 */
export function checkHandlerCommand(command: string): string {
  const found = which.sync(command, { nothrow: true });
  if (found) return path.resolve(found);
  const shown = printable(command);
  if (command.includes('/')) {
    const full = path.resolve(command);
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(full);
    } catch {
      /* not there: 127 below */
    }
    if (st?.isDirectory()) throw new HandlerCommandError(`handler ${shown} is a directory, not a command; no job was claimed`, EX.CANNOT_EXECUTE);
    if (st) throw new HandlerCommandError(`handler ${shown} is not executable (chmod +x it, or run it through sh); no job was claimed`, EX.CANNOT_EXECUTE);
    throw new HandlerCommandError(`handler ${shown} not found; no job was claimed`, EX.COMMAND_NOT_FOUND);
  }
  throw new HandlerCommandError(`handler command ${shown} not found on PATH; no job was claimed`, EX.COMMAND_NOT_FOUND);
}
