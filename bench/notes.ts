import type { Results } from './report';
import { fmt } from './stats';
import { PERSISTENT_JOBS } from './cliConsumer';
import { DRAIN_FLOOR } from './drain';

/**
 * The prose under the tables: what bounds each figure and how the bench measures, with
 * this run's numbers. The mechanisms named here were found with strace -c, perf record
 * and node --cpu-prof on the bench machine (see "Profiling" below to repeat that).
 */
export function notes(r: Results): string {
  const med = (key: string) => r.figures[key]?.median ?? NaN;
  const ratio = (key: string) => r.ratios[key]?.median ?? NaN;
  const cost = (key: string, part: 'wall' | 'user' | 'sys' | 'runq') => {
    const xs = r.perRun.map((p) => p.costs[key]?.[part]).filter((x): x is number => x !== undefined);
    return xs.length ? [...xs].sort((a, b) => a - b)[xs.length >> 1] : NaN;
  };
  const perJob = (rate: number) => fmt(1e6 / rate);
  const x = (v: number) => `${v.toFixed(2)}×`;
  const floorScaling = med('floor.consumers.4') / med('floor.consumers.1');
  const oursScaling = med('consumers.4') / med('consumers.1');
  const journal = r.machine.journal === false ? 'ext4 without a journal' : r.machine.fileSystem;
  const discard = r.machine.mountOptions.split(',').includes('discard');

  return `## What bounds the figures

**Claim and finish (drain, consumers).** A data job costs our consumers two renames, queued/ → processing/<job>.<pid>
(the claim: the payload itself is the claim, the file form of README's *On disk*) → success/, and the floor the same
(floor.c \`drainfile\`). The original's dir form costs four directory operations, mkdir, rename, rename, rmdir: its C
floor is ${x(ratio('floor.drain.10000'))} the speed of the file form's at 10k (${fmt(med('floor.drain.10000'))} against ${fmt(med(`${DRAIN_FLOOR}.10000`))} jobs/s; file
jobs still take it, as their handler's path keeps the file's name). On this machine's ${journal}${discard ? ' mounted with `discard`' : ''}, its rmdir frees
the directory's block${discard ? ' with a synchronous discard to the virtual disk' : ''}, and each mkdir scans past the inodes freed in the last minute before it takes one (ext4's
\`recently_deleted\` check, fs/ext4/ialloc.c), kernel time that grows with the drain's own recent removals: the file form
makes and frees no inode. At 10k our job costs ${fmt(cost('drain.10000', 'wall'))} µs against the floor's
${fmt(cost(`${DRAIN_FLOOR}.10000`, 'wall'))} µs: our user-mode CPU (${fmt(cost('drain.10000', 'user'))} µs a job: Node's fs
calls, with argument checks, path conversion and one binding call each, the promise around each handler, and at small N
the compile of the code itself: user time at 1k ${fmt(cost('drain.1000', 'user'))} µs a job, at 100k ${fmt(cost('drain.100000', 'user'))} µs), and system calls the floor does not make:
the pause check (a stat) and the payload opened and fstat'ed before its handler runs (a handler gets the regular file
claimed, never a link or a FIFO swapped in); the floor passes directory fds to \`renameat\`, Node has no *at() calls, so the
kernel also walks every absolute path. The cost per job does not grow with the queue: one listing per drain rather than
one per job, the tenths of the 100k drain stay flat, and ours is ${x(med('drain.1000') / med('drain.100000'))} at 100k what it is at 1k (the floor:
${x(med(`${DRAIN_FLOOR}.1000`) / med(`${DRAIN_FLOOR}.100000`))}).

**More consumers.** Every claim and finish renames across queued/, processing/ and success/; Linux serialises
renames between directories on one mutex per file system, and mkdir/rmdir on the processing/ folder's lock,
so more processes mostly wait for each other (perf shows them spinning on the folder's lock and switching
tasks). Even the floor's C processes, each on its own share of the jobs so that none ever collides, do ${x(floorScaling)}
with four what one does; ours do ${x(oursScaling)}. Four Node processes on ${r.machine.cores} cores also compete for the CPU, each
with its own start-up compile and listing. Once a consumer has lost a claim to another, it takes its own share of
the names first, as the floor's processes do (the names whose hash is its place among the consumers registered
in .pacchettino/consumers/), passing over the others' without a system call, and lists again when its share is
done; before, each walked every name of its listing and looked up the ones the others had taken (three lookups per
job with four). Oldest first (the CLI's default), each takes the oldest of its share: ${fmt(med('consumers.4.oldestFirst'))} jobs/s with four.

**Send.** The floor writes with one \`openat\` relative to a dir fd; ours is the same system calls through Node's
fs API, whose user-mode cost per call is the difference. Durable sends are bound by the disk's fsync:
payload and queued/ for both (${perJob(med('send.durable'))} µs against ${perJob(med('floor.send.durable'))} µs a send).

**Worker.** The first look needs a full listing of the folder: the floor (getdents in C, counting names and keeping
the 100 oldest) takes ${fmt(med('floor.list'))} ms for 100k entries, and Node's readdirSync alone ${fmt(med('node.readdirSync'))} ms (libuv reads and
sorts the names in C, then 100,000 JavaScript strings are made). The worker's first look is that listing, one
pass over the names to put them in id order (UUIDv7: the sorted names already are, per prefix) and the page:
${fmt(med('worker.coldFirstPage'))} ms, ${fmt(1 / ratio('worker.coldFirstPage'))}× the readdirSync's time. After that the folder is not listed again while its
inotify watch reports the names that come and go (FolderIndex): one more job costs an lstat of its name,
${fmt(med('worker.changedCountsAndPage'))} ms for the counts and the first page, and an unchanged queue ${fmt(med('worker.warmCountsAndPage'))} ms (a stat per folder, and
the page's 100 sizes). Where the watch cannot be believed (a shared queue, a failed watch, a burst that may have
overflowed inotify's queue) the worker lists again, as before: one listing per coalesced refresh.

**Wake-up.** A consumer waiting in receiveOne(timeout) is woken by an inotify watch on queued/: ${fmt(med('wakeup.p50'))} ms median
and ${fmt(med('wakeup.p99'))} ms at p99 from send to handler start.

**Recovery.** Per stalled dir we also stat it (to date it against the owner's start time, which catches a
recycled pid), read the owner's start time from /proc when it is alive, list the dir, and write a record
of the interruption (a small JSON file: write + rename): about twice the floor's system calls (${x(ratio('recovery'))} its speed).

${r.figures['multihost.drain'] ? severalHosts(r) : ''}**CLI consumer.** One process per job: Node's child_process.spawn with three pipes and the job in its
environment costs ${perJob(med('cliConsume'))} µs a job where posix_spawn + waitpid of true(1) in C costs ${perJob(med('floor.spawn'))} µs.
What bounds it is the fork: libuv forks the whole consumer (glibc's posix_spawn shares the parent's memory until the
exec, CLONE_VFORK), so each job copies the page tables of the consumer's anonymous memory and the child unmaps them
at exec, while spawn() waits for that exec: the synchronous part of the job (--cpu-prof: ChildProcess.spawn). The shell,
the environment's copy and the pipes are small beside it. So the consumer keeps V8's young generation at its first size
(less memory to copy each fork) and spawns the handler by the path resolved once (each child searched PATH).
\`consume --persistent\`, a handler that answers at once, ${fmt(med('cliPersistent'))} jobs/s over ${fmt(PERSISTENT_JOBS)} jobs (Node's
start-up included), is ${x(med('cliPersistent') / med('cliPersistent.drainBeside'))} the library's receiveOne loop over as many in the same run
(${fmt(med('cliPersistent.drainBeside'))} jobs/s): each job adds a round trip to another process (its line written, the handler
woken, its answer read), two wake-ups that wait for a core on a loaded 2-core machine.

## Method notes

- Each figure is taken in a fresh Node process (the orchestrator forks it with the queue prepared), so one
  measurement's JIT and garbage never bill the next; the floor is a fresh C process. Times are CLOCK_MONOTONIC
  (process.hrtime, clock_gettime); latencies across processes compare the same clock.
- Queues are filled by the floor's C sender with empty payloads for the drains, consumers, worker and CLI:
  claiming and finishing are renames that never touch a payload's blocks, and empty files keep setup and
  removal of ~700,000 jobs inside the time budget. Sends use the sizes in the table.
- Scratch folders live under \`${r.method.scratch}\`${r.machine.scratchOnRepoFileSystem ? ", on the repository's file system too" : ''}. ${r.method.ownBlockGroups ? 'The scratch root carries ext4\'s "top directory" flag (`chattr +T`), so each measurement\'s folder lands in a block group of its own and never pays for inodes another measurement freed (see above); nothing' : 'Nothing'} is removed
  until every figure is taken, and \`sync\` runs before each timed step.
- The shortest measurements (10,000 plain sends, 1,000 file sends, the 1k drain: ~0.1–0.2 s each) alternate floor
  and ours three times within a run and keep the median of each, so a moment of other work does not decide a run.
  The durable sends, bound by a virtual disk whose fsync time drifts, go in five chunks of 2,000 with floor and
  ours alternating, each side into one queue throughout.
- Other work on the machine slows a measurement and its floor unequally; the drain table's *waiting for a
  CPU* column (from /proc/self/schedstat) shows how much it did. Figures are min / median / max of ${r.runs} runs.
- Profiling: \`BENCH_ONLY=drain BENCH_RUNS=1 BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench\`
  profiles every Node child; \`strace -c -f\` and \`perf record -g\` on \`node bench/out/drain.js '{"queue":…,"n":…,"how":"one"}'\`
  show the system calls and the kernel's share. \`BENCH_DIR\` moves the scratch folders to another file system.
`;
}

/** Several hosts (bench/multihost.ts): what bounds each figure, for a run that measured them. */
function severalHosts(r: Results): string {
  const med = (key: string) => fmt(r.figures[key]?.median ?? NaN);
  return `**Several hosts.** Over the multi-host tests' harness (one network mount and one PID namespace per host,
docs/SHAREDFS-HARNESS.md). A job sent on another host is found by the waiting consumer's 250 ms poll of queued/
(no watch sees it): ${med('multihost.pickup.p50')} ms median, ${med('multihost.pickup.p99')} ms at p99. A host killed while holding a job loses it to
the other host once its owner file stood still for lease + margin (max(1 s, lease/2)) as that host watched it, seen
at its sweeps (every second): with a 2 s lease ${med('multihost.recovery.2000')} ms after the kill, with 6 s ${med('multihost.recovery.6000')} ms. Draining with
a consumer on each of 2 hosts, every step is a round trip to the file server, for the floor too (${med('floor.multihost.drain')} against
our ${med('multihost.drain')} jobs/s); ours also renews its lease and sweeps.

`;
}
