// Refuses a handler command that cannot run before any job is claimed: otherwise every
// job in the queue would be claimed, fail with ENOENT and land in failed/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import which from 'which';
import { EX, HandlerCommandError } from './exitCodes';
import { printable } from './output';

/** Resolves `command` as spawn will (PATH, or a path relative to the cwd); throws HandlerCommandError when it cannot be run. */
export function checkHandlerCommand(command: string): string {
  const found = which.sync(command, { nothrow: true });
  if (found) return found;
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
