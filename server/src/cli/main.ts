#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { EX, ReportedError, exitCodeOf } from './exitCodes';
import { consume } from './commands/consume';
import { printable } from './output';
import { ls, status } from './commands/inspect';
import { cleanup, recover, requeue } from './commands/maintain';
import { send } from './commands/send';
import { pause, resume } from './commands/pause';
import { stats } from './commands/stats';
import { argvKeepingBytes } from './argvBytes';
import { isMainThread, workerData } from 'node:worker_threads';
import { isModuleWorker, runModuleWorker } from './moduleWorker';

// tsc's output reads package.json when it starts; esbuild inlines it into dist/cli.js at
// bundle time, so the CLI in the extension reports the version it was built from.
// (A require, not an import: package.json lies outside tsc's rootDir.)
const VERSION: string = (() => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above: read at run time, outside rootDir
    return (require('../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

/** What commander hands an action: the arguments and options of that command, as its function takes them. */
type Flags<F extends (...args: never[]) => unknown, N extends number> = Parameters<F>[N];

/** Options of every command that opens a queue. */
function queueCommand(program: Command, name: string, summary: string): Command {
  return program
    .command(name)
    .summary(summary)
    .addOption(new Option('--keep <policy>', 'jobs to keep: all, none, or success,failed,interrupted').default(undefined, 'all'))
    .option('--durable', 'fsync every change of state')
    .option('--lock', 'lock-file crash detection (consumers in containers) instead of pids')
    .option('--shared', 'consumers on other machines use this queue (default: detected from the file system)')
    .option('--no-shared', 'only this machine uses this queue, whatever the file system')
    .option('--lease <duration>', "how long another machine's consumer may go silent before its jobs are taken (default 30s)");
}

function build(run: (work: () => number | Promise<number>) => void): Command {
  const program = new Command('pacchettino')
    .description('A job queue made of plain directories, compatible with the pacchettino D library.')
    .version(VERSION)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();

  queueCommand(program, 'send', 'queue data or file jobs; prints each id as it is sent')
    .argument('<queue>', 'queue folder (created if missing)')
    .option('--data <text>', 'send this text as a data job')
    .option('--file <path...>', 'send a copy of each file; a folder stands for the files in it')
    .option('--files-from <list>', 'send the files named in this list, one path a line (- reads standard input)')
    .option('--stdin', 'send each line of standard input as a data job (without its newline)')
    .option('--null', 'with --stdin or --files-from: records end with NUL, not newline (find -print0, xargs -0)')
    .option('--move', 'with --file or --files-from: move the files into the queue instead of copying')
    .option('--delay <duration>', 'become due after this long (ms, or 10s, 5m, 1h)')
    .addHelpText(
      'after',
      `
Examples:
  pacchettino send ./q --data 'hello'
  pacchettino send ./q --file a.pdf b.pdf scans/
  find inbox -name '*.pdf' -print0 | pacchettino send ./q --files-from - --null
  seq 10000 | pacchettino send ./q --stdin`,
    )
    .action((queue: string, flags: Flags<typeof send, 1>) => run(() => send(queue, flags)));

  queueCommand(program, 'consume', 'run a command once per job')
    .argument('<queue>', 'queue folder')
    .argument('[command...]', 'handler command and its arguments, after -- (none with --module)')
    .option('--once', 'handle what is due now, then exit (each job at most once)')
    .option('--concurrency <n>', 'jobs handled at the same time', '1')
    .option('--timeout <duration>', 'kill a handler running longer than this (the job fails)')
    .option('--random', 'take due jobs in random order (default: oldest first)')
    .option('--max-attempts <n>', 'runs after which a job asking to retry fails (0: never)', '10')
    .option('--retry-delay <duration>', 'delay before a retry, doubled on each attempt (0: at once)', '0')
    .option('--persistent', 'start the handler once (per --concurrency) and hand it jobs over the line protocol on its fd 3')
    .option('--module <file>', "run the Node module's exported async function per job, in worker threads (one per --concurrency)")
    .addHelpText(
      'after',
      `
The handler gets PACCHETTINO_JOB_ID (bare uuid), PACCHETTINO_JOB_NAME (original file
name, empty for data), PACCHETTINO_JOB_FILE (payload path) and PACCHETTINO_JOB_ATTEMPT,
and a data job's bytes on stdin. Exit 0 = success, 75 = retry, anything else = failed.
Each job prints "<RESULT> <id> <ms>ms[ exit N][: reason]".

--persistent: the handler runs for many jobs. It reads a line per job on fd 3,
"<id> TAB <kind> TAB <attempt> TAB <payload path> TAB <name>", and writes back on fd 3
"SUCCESS", "FAILED [reason]" or "RETRY [reason]" (and "PROGRESS <percent> [message]"
lines meanwhile). One that exits, closes fd 3 or writes anything else is restarted, and
its job in hand FAILED. See examples/ and the README.

--module handler.js: module.exports = async (job) => 'SUCCESS' (or FAILED, RETRY, or
{ result, reason }); job has id, name, kind, attempt, path, data, originalName, progress().
A throw fails the job; a thread that dies is replaced.

Example: pacchettino consume ./q -- ./convert.sh
         pacchettino consume ./q --persistent -- python3 examples/persistent-handler.py
         pacchettino consume ./q --module examples/module-handler.js --concurrency 4`,
    )
    .action((queue: string, command: string[], flags: Flags<typeof consume, 1>) => run(() => consume(queue, flags, command)));

  queueCommand(program, 'status', 'counts per state, or one job in detail')
    .argument('<queue>', 'queue folder')
    .argument('[job]', "the job: its id, an id prefix (8+ characters), its job name, the sent file's name, or a path into a state folder")
    .option('--json', 'machine-readable output')
    .action((queue: string, id: string | undefined, flags: Flags<typeof status, 2>) => run(() => status(queue, id, flags)));

  queueCommand(program, 'ls', "list a state's jobs, oldest first")
    .argument('<queue>', 'queue folder')
    .argument('<state>', 'scheduled, queued, processing, success, failed or interrupted')
    .option('--json', 'machine-readable output')
    .option('--limit <n>', 'at most this many', '100')
    .option('--offset <n>', 'skip this many', '0')
    .option('--desc', 'newest first')
    .action((queue: string, state: string, flags: Flags<typeof ls, 2>) => run(() => ls(queue, state, flags)));

  queueCommand(program, 'requeue', 'put failed or interrupted jobs back in the queue')
    .argument('<queue>', 'queue folder')
    .argument('[ids...]', 'job ids or names')
    .option('--all', 'every job of the chosen states (default failed and interrupted)')
    .option('--failed', 'with --all: failed jobs')
    .option('--interrupted', 'with --all: interrupted jobs')
    .action((queue: string, ids: string[], flags: Flags<typeof requeue, 2>) => run(() => requeue(queue, ids, flags)));

  queueCommand(program, 'cleanup', 'delete finished jobs')
    .argument('<queue>', 'queue folder')
    .option('--success', 'succeeded jobs')
    .option('--failed', 'failed jobs')
    .option('--interrupted', 'interrupted jobs')
    .option('--older-than <duration>', 'only those last changed longer ago than this')
    .action((queue: string, flags: Flags<typeof cleanup, 1>) => run(() => cleanup(queue, flags)));

  queueCommand(program, 'recover', 'move jobs of dead consumers to interrupted/')
    .argument('<queue>', 'queue folder')
    .action((queue: string, flags: Flags<typeof recover, 1>) => run(() => recover(queue, flags)));

  queueCommand(program, 'pause', 'stop our consumers taking new jobs (jobs in hand finish)')
    .argument('<queue>', 'queue folder')
    .addHelpText(
      'after',
      "\nConsumers of this project (library, CLI, VS Code tasks) take no new job within a second;\nthe original D library's consumers do not know about pausing and keep consuming.",
    )
    .action((queue: string, flags: Flags<typeof pause, 1>) => run(() => pause(queue, flags)));

  queueCommand(program, 'resume', 'let consumers take jobs again')
    .argument('<queue>', 'queue folder')
    .action((queue: string, flags: Flags<typeof resume, 1>) => run(() => resume(queue, flags)));

  queueCommand(program, 'stats', 'jobs finished per minute by result, and the queue depth, over the last hour or day')
    .argument('<queue>', 'queue folder')
    .option('--day', 'the last day by quarter hour (default: the last hour by minute)')
    .option('--json', 'machine-readable output: both windows')
    .action((queue: string, flags: Flags<typeof stats, 1>) => run(() => stats(queue, flags)));

  return program;
}

async function main(argv: string[]): Promise<number> {
  let work: (() => number | Promise<number>) | undefined;
  const program = build((w) => (work = w));
  try {
    await program.parseAsync(argv);
    if (!work) return EX.OK;
    return await work();
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every other parse failure is a usage error.
      return err.exitCode === 0 ? EX.OK : EX.USAGE;
    }
    if (!(err instanceof ReportedError)) process.stderr.write(`pacchettino: ${printable((err as Error).message)}\n`);
    return exitCodeOf(err);
  }
}

if (!isMainThread && isModuleWorker(workerData)) {
  // A thread of `consume --module` (moduleHandler.ts starts them from this entry).
  void runModuleWorker();
} else {
  // `pacchettino ls q queued | head` closes our stdout early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });

  // main answers every error with an exit code; it does not reject.
  void main(argvKeepingBytes(process.argv)).then((code) => {
    process.exitCode = code;
  });
}
