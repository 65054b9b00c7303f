/**
 * `npm run bench`: every measurement, RUNS times, floor and ours side by side; writes
 * BENCHMARKS.md and bench/results.json. Not part of `npm test`.
 *
 * BENCH_RUNS=n (default 3), BENCH_ONLY=send,drain,... (a subset; results then go to a
 * temp dir, not over the committed ones), BENCH_DIR=<dir> (scratch file system),
 * BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" (profile every child),
 * BENCH_REPORT_ONLY=1 (measure nothing: write BENCHMARKS.md again from bench/results.json,
 * after a change to the report's words).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hrms } from './child';
import { measureCliConsumer } from './cliConsumer';
import { measureConsumers } from './consumers';
import { measureDrain } from './drain';
import { compileFloor, removeFloorBinary } from './floor';
import { describeMachine, gitRevision } from './machine';
import { notes } from './notes';
import { measureRecovery } from './recovery';
import { markdown, summarize, type Results, type RunRecord } from './report';
import { removeAllScratch, scratchBase, spreadsGroups } from './scratch';
import { measureSend } from './send';
import { fmt } from './stats';
import { measureWakeup } from './wakeup';
import { measureWorker } from './worker';
import { measureLive } from './live';
import { measurePeers } from './peers/driver';
import { measureMultihost } from './multihost';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const ONLY = process.env.BENCH_ONLY?.split(',').filter(Boolean);
const REPO = path.join(__dirname, '..', '..');

type Section = (run: RunRecord) => Promise<unknown>;

const SECTIONS: Record<string, Section> = {
  send: async (run) => Object.assign(run.figures, await measureSend()),
  drain: async (run) => {
    const d = await measureDrain();
    Object.assign(run.figures, d.figures);
    run.costs = d.costs;
    run.tenths = d.tenths;
  },
  consumers: async (run) => {
    const c = await measureConsumers();
    Object.assign(run.figures, c.figures);
    Object.assign(run.checks, c.checks);
    run.shares = c.shares;
  },
  wakeup: async (run) => Object.assign(run.figures, await measureWakeup()),
  recovery: async (run) => Object.assign(run.figures, await measureRecovery()),
  worker: async (run) => Object.assign(run.figures, await measureWorker()),
  cli: async (run) => Object.assign(run.figures, await measureCliConsumer()),
  live: async (run) => Object.assign(run.figures, await measureLive()),
  peers: async (run) => {
    const p = await measurePeers();
    Object.assign(run.figures, p.figures);
    Object.assign(run.checks, p.checks);
  },
  multihost: async (run) => Object.assign(run.figures, await measureMultihost()),
};

function log(msg: string): void {
  process.stdout.write(`[bench ${fmt((hrms() - started) / 1000).padStart(5)} s] ${msg}\n`);
}

const started = hrms();

/** The committed figures, worded again by the current report code. */
function reportAgain(): void {
  const results = JSON.parse(fs.readFileSync(path.join(REPO, 'bench', 'results.json'), 'utf8')) as Results;
  fs.writeFileSync(path.join(REPO, 'BENCHMARKS.md'), markdown(results, notes(results)));
  log(`wrote ${path.join(REPO, 'BENCHMARKS.md')} from bench/results.json (revision ${results.revision}; nothing measured)`);
}

async function main(): Promise<void> {
  if (process.env.BENCH_REPORT_ONLY) return reportAgain();
  const { cc } = compileFloor();
  const machine = describeMachine(scratchBase, cc);
  log(
    `${machine.cores} cores, ${machine.fileSystem} at ${machine.scratch}, load ${machine.loadAtStart.join(' ')}; ${RUNS} runs of ${ONLY?.join(', ') ?? 'everything'}`,
  );
  const perRun: RunRecord[] = [];
  try {
    for (let i = 1; i <= RUNS; i++) {
      const run: RunRecord = { figures: {}, costs: {}, tenths: [], checks: {}, shares: {}, sectionSeconds: {} };
      for (const [name, measure] of Object.entries(SECTIONS)) {
        if (ONLY && !ONLY.includes(name)) continue;
        const t0 = hrms();
        await measure(run);
        run.sectionSeconds[name] = (hrms() - t0) / 1000;
        log(`run ${i}/${RUNS} ${name}: ${fmt(run.sectionSeconds[name])} s`);
      }
      perRun.push(run);
    }
  } finally {
    removeFloorBinary();
  }
  const c0 = hrms();
  removeAllScratch();
  const cleanupSeconds = (hrms() - c0) / 1000;
  machine.loadAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);

  const results: Results = {
    generatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    revision: gitRevision(),
    command: ONLY ? `BENCH_ONLY=${ONLY.join(',')} npm run bench` : 'npm run bench',
    runs: RUNS,
    machine,
    method: { scratch: scratchBase, ownBlockGroups: spreadsGroups, freshProcess: true, syncBeforeEach: true },
    wallSeconds: (hrms() - started) / 1000,
    cleanupSeconds,
    ...summarize(perRun),
    perRun,
  };
  const outDir = ONLY ? fs.mkdtempSync(path.join(os.tmpdir(), 'pacchettino-bench-results-')) : REPO;
  const mdFile = path.join(outDir, 'BENCHMARKS.md');
  const jsonFile = ONLY ? path.join(outDir, 'results.json') : path.join(REPO, 'bench', 'results.json');
  fs.writeFileSync(jsonFile, JSON.stringify(results, null, 2) + '\n');
  fs.writeFileSync(mdFile, markdown(results, notes(results)));

  for (const t of results.targets) log(`${t.met ? 'met   ' : 'MISSED'} ${t.name}: median ${fmt(t.median)}${t.unit === '×' ? '×' : ' ' + t.unit}`);
  for (const [k, ok] of Object.entries(results.checks)) if (!ok) log(`FAILED check ${k}`);
  log(`wrote ${mdFile} and ${jsonFile}; ${fmt(results.wallSeconds)} s in all`);
  if (Object.values(results.checks).some((ok) => !ok)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  removeAllScratch();
  process.exit(1);
});
