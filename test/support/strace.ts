/**
 * System calls of a child process, as strace(1) sees them: the order of renames and
 * mkdirs, and the fsyncs that durable mode promises, which no file-system check can see.
 * strace comes from Debian's strace package (.ci/run installs it).
 */
import * as fs from 'node:fs';

export interface Syscall {
  pid: number;
  name: string;
  /** The raw argument text, with fd arguments decorated by their paths (strace -y). */
  args: string;
  result: string;
}

/** A command prefix tracing file-name syscalls and fsyncs of the command and all its threads and children. */
export function stracePrefix(outFile: string, filter = '%file,fsync,fdatasync'): string[] {
  return ['strace', '-f', '-qq', '-y', '-e', `trace=${filter}`, '-o', outFile];
}

const LINE = /^(\d+)\s+(\w+)\((.*)\)\s+=\s+(.*)$/;

/** The completed syscalls of a trace that mention `pathPart`, in order (resumed calls are joined). */
export function readTrace(outFile: string, pathPart: string): Syscall[] {
  const out: Syscall[] = [];
  const unfinished = new Map<number, string>();
  for (const raw of fs.readFileSync(outFile, 'utf8').split('\n')) {
    let line = raw;
    const u = /^(\d+)\s+(.*) <unfinished \.\.\.>$/.exec(line);
    if (u) {
      unfinished.set(Number(u[1]), u[2]);
      continue;
    }
    const r = /^(\d+)\s+<\.\.\. \w+ resumed>(.*)$/.exec(line);
    if (r) {
      const head = unfinished.get(Number(r[1]));
      if (head === undefined) continue;
      unfinished.delete(Number(r[1]));
      line = `${r[1]} ${head}${r[2]}`;
    }
    const m = LINE.exec(line);
    if (m && line.includes(pathPart)) out.push({ pid: Number(m[1]), name: m[2], args: m[3], result: m[4] });
  }
  return out;
}
