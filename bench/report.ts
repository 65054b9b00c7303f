import { DRAIN_FLOOR, type JobCost } from './drain';
import { FIGURES, FLOOR_LABELS, TARGETS, meets, type RunFigures } from './figures';
import type { Machine } from './machine';
import { peersSection } from './peers/report';
import { fmt, spread, type Spread } from './stats';

/** Everything one run of every measurement gave. */
export interface RunRecord {
  figures: RunFigures;
  /** drain costs per job, ours and the floor's, by figure key */
  costs: Record<string, JobCost>;
  /** µs per job in each tenth of ours 100k drain */
  tenths: number[];
  checks: Record<string, boolean>;
  shares: Record<string, number[]>;
  /** wall seconds each section took, setup included */
  sectionSeconds: Record<string, number>;
}

export interface Results {
  generatedAt: string;
  revision: string;
  command: string;
  runs: number;
  machine: Machine;
  method: { scratch: string; ownBlockGroups: boolean; freshProcess: boolean; syncBeforeEach: boolean };
  wallSeconds: number;
  cleanupSeconds: number;
  figures: Record<string, Spread & { unit: string }>;
  ratios: Record<string, Spread>;
  targets: { name: string; unit: string; op: string; limit: number; median: number; min: number; max: number; met: boolean; metEveryRun: boolean }[];
  checks: Record<string, boolean>;
  perRun: RunRecord[];
}

export function summarize(perRun: RunRecord[]): Pick<Results, 'figures' | 'ratios' | 'targets' | 'checks'> {
  const figures: Results['figures'] = {};
  const ratios: Results['ratios'] = {};
  const keys = new Set(perRun.flatMap((r) => Object.keys(r.figures)));
  for (const key of keys) {
    const unit = FIGURES.find((f) => f.key === key || f.floor === key)?.unit ?? '';
    figures[key] = { ...spread(perRun.map((r) => r.figures[key])), unit };
  }
  for (const f of FIGURES) {
    const base = f.floor ?? f.base;
    // As a fraction of the other's speed: rates divide ours by theirs, times theirs by ours.
    const speed = (r: RunRecord) => (f.unit === 'ms' ? r.figures[base!] / r.figures[f.key] : r.figures[f.key] / r.figures[base!]);
    if (base && keys.has(f.key) && keys.has(base)) ratios[f.key] = spread(perRun.map(speed));
  }
  const targets = TARGETS.flatMap((t) => {
    const values = perRun.map((r) => t.perRun(r.figures));
    if (values.some((v) => !Number.isFinite(v))) return [];
    const s = spread(values);
    return [
      {
        name: t.name,
        unit: t.unit,
        op: t.op,
        limit: t.limit,
        median: s.median,
        min: s.min,
        max: s.max,
        met: meets(t, s.median),
        metEveryRun: values.every((v) => meets(t, v)),
      },
    ];
  });
  const checks: Results['checks'] = {};
  for (const key of new Set(perRun.flatMap((r) => Object.keys(r.checks)))) checks[key] = perRun.every((r) => r.checks[key]);
  return { figures, ratios, targets, checks };
}

const mmm = (s: Spread, f = fmt) => `${f(s.min)} / **${f(s.median)}** / ${f(s.max)}`;
const times = (x: number) => `${x.toFixed(2)}×`;

function machineLine(m: Machine): string {
  const fs = `${m.fileSystem}${m.journal === false ? ' without a journal' : ''} (${m.device}, ${m.mountOptions})`;
  return [
    `- **Machine:** ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB RAM, ${m.kernel}, Node ${m.node}, ${m.cc}.`,
    `- **File system:** scratch folders under \`${m.scratch}\`${m.scratchOnRepoFileSystem ? " (the repository's file system)" : ''}, on ${fs}.`,
    `- **Load average** (1/5/15 min) at start ${m.loadAtStart.join(' / ')}, at end ${m.loadAtEnd?.join(' / ') ?? '?'}: other work on the machine slows both sides of every comparison, not always equally.`,
  ].join('\n');
}

function targetTable(r: Results): string {
  const rows = r.targets.map((t) => {
    const f = t.unit === '×' ? times : (x: number) => `${fmt(x)} ${t.unit}`;
    const verdict = t.met ? (t.metEveryRun ? 'met' : 'met (not in every run)') : '**missed**';
    return `| ${t.name} | ${f(t.median)} | ${f(t.min)} – ${f(t.max)} | ${verdict} |`;
  });
  return ['| target | median | runs (min – max) | verdict |', '|---|---|---|---|', ...rows].join('\n');
}

function figureTable(r: Results): string {
  const out: string[] = [];
  let section = '';
  for (const f of FIGURES) {
    const s = r.figures[f.key];
    if (!s) continue;
    if (f.section !== section) {
      section = f.section;
      out.push(
        '',
        `### ${section}`,
        '',
        "| figure | unit | min / **median** / max | speed ÷ floor's (min / **median** / max) | compared with |",
        '|---|---|---|---|---|',
      );
    }
    const ratio = r.ratios[f.key];
    const base = f.floor ?? f.base;
    const against = f.floor
      ? `floor ${mmm(r.figures[f.floor])} ${r.figures[f.floor].unit} (${FLOOR_LABELS[f.floor]})`
      : base
        ? (f.baseLabel ?? 'one consumer')
        : '';
    out.push(`| ${f.label} | ${f.unit} | ${mmm(s)} | ${ratio ? mmm(ratio, times) : ''} | ${against} |`);
  }
  return out.join('\n');
}

function median(xs: number[]): number {
  return spread(xs).median;
}

function costTable(r: Results): string {
  const keys = Object.keys(r.perRun[0]?.costs ?? {}).filter((k) => !k.startsWith('floor.'));
  const cells = (key: string) => {
    const c = (f: keyof JobCost) => median(r.perRun.map((p) => p.costs[key]?.[f] ?? NaN));
    const blocked = median(r.perRun.map((p) => (p.costs[key] ? p.costs[key].wall - p.costs[key].user - p.costs[key].sys - p.costs[key].runq : NaN)));
    return [c('wall'), c('user'), c('sys'), c('runq'), blocked].map(fmt).join(' | ');
  };
  const rows = keys.flatMap((key) => {
    const [kind, n] = key.split('.');
    const floorKey = `${DRAIN_FLOOR}.${n}`;
    const above = median(r.perRun.map((p) => p.costs[key].wall - (p.costs[floorKey]?.wall ?? NaN)));
    const label = kind === 'receiveAll' ? `receive(), N = ${n}` : `receiveOne, N = ${n}`;
    const floors = [`| ${label}: floor (rename + rename) | ${cells(floorKey)} | |`, `| ${label}: floor of the dir form | ${cells(`floor.drain.${n}`)} | |`];
    return [`| ${label}: ours | ${cells(key)} | ${fmt(above)} |`, ...(kind === 'drain' ? floors : [])];
  });
  return ['| drain | wall | user | kernel | waiting for a CPU | blocked | ours − floor (wall) |', '|---|---|---|---|---|---|---|', ...rows].join('\n');
}

export function markdown(r: Results, notes: string): string {
  const once = Object.entries(r.checks)
    .filter(([k]) => k.endsWith('exactlyOnce'))
    .map(
      ([k, ok]) =>
        `${k.split('.')[1]} consumer(s)${k.includes('oldestFirst') ? ' oldest first' : ''}: ${ok ? 'every job exactly once in every run' : '**a job was lost or handled twice**'}`,
    )
    .join('; ');
  const tenths = r.perRun.map((p) => p.tenths.map((x) => fmt(x * 1000)).join(' · '));
  return `# Benchmarks

Written by \`npm run bench\` (bench/run.ts) on ${r.generatedAt} at revision ${r.revision}; the same figures are in
[bench/results.json](bench/results.json). Do not edit by hand: run the bench again.

${machineLine(r.machine)}
- **Method:** every figure is measured ${r.runs} times and shown as min / **median** / max. Each run takes the floor's
  figure and ours side by side, the floor first. The floor is [bench/floor.c](bench/floor.c), compiled with the machine's
  \`cc -O2\` when the bench starts: the protocol's steps with the fewest system calls. Ratios are ours ÷ floor within
  the same run (higher is better for rates). Each measurement runs in a fresh Node process, on fresh queue folders,
  after a \`sync\`; ${r.method.ownBlockGroups ? "each measurement's folders sit in ext4 block groups of their own (see *Method notes*)" : 'the scratch root could not be given its own block groups (see *Method notes*)'}.
- **Bench wall time:** ${fmt(r.wallSeconds)} s for ${r.runs} runs, including ${fmt(r.cleanupSeconds)} s removing the scratch folders
  (\`npm run build\` before it not included).

## Targets

${targetTable(r)}

## Figures
${figureTable(r)}

Consumers: ${once}.

${peersSection(r)}
## Drain: where the time of one job goes

µs per job, medians over the runs. *User* is CPU time in user mode (for us mostly JavaScript), *kernel* is CPU
time in system calls, *waiting for a CPU* is time runnable but not running (other processes on the machine, from
/proc/self/schedstat), *blocked* is the rest of the wall time: asleep in the kernel, here on the disk.

${costTable(r)}

Our 100k drain by tenths, µs per job (one line per run): the cost per job depends on how many directories the
drain itself removed recently, not on how many jobs are still queued.

${tenths.map((t) => `- ${t}`).join('\n')}

${notes}
`;
}
