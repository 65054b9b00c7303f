/*
 * The floor: the protocol's steps (FORMAT.md) with the fewest system calls, so the
 * TypeScript figures can be read as a fraction of what the file system allows.
 * Compiled by bench/run.ts with the machine's cc at bench time; never committed as a binary.
 *
 *   floor send     <queue> <n> <bytes> <durable 0|1>  write tmp/<id> + rename to queued/raw-<id>
 *   floor sendfile <queue> <n> <source>               copy a file to tmp/<id> + rename to queued/fle-<id>-<name>
 *   floor fill     <queue> <n> <bytes>                send, untimed: a queue for a consumer to drain
 *   floor drain    <queue> <n> <bytes>                fill, then claim + finish each job by name in the original's
 *                                                     dir form: mkdir + rename + rename + rmdir, no listing
 *   floor drainfile <queue> <n> <bytes>               the same in our file form for data jobs (processingEntry.ts):
 *                                                     rename to processing/<job>.<pid> + rename to success/, no listing
 *   floor drainby  <queue> <n> <k>                    fill, then k processes claim + finish a share each in the file
 *                                                     form (every k-th job: no two ever try the same one)
 *   floor drainshare <queue> <k> <i>                 list queued/, then claim + finish (file form) by name share i of k of what it
 *                                                     lists (by a hash of the name, so shares never overlap, whenever
 *                                                     each host lists): one of k hosts draining one queue
 *   floor recover  <queue>                            list processing/, and for each dead owner:
 *                                                     kill(pid, 0) + rename payload to interrupted/ + rmdir
 *   floor list     <queue> <page>                     what counts + a first page need, cold: list queued/,
 *                                                     count job names, keep the <page> oldest (ids sort by time)
 *   floor spawn    <queue> <n>                        posix_spawnp("true") + waitpid, n times: what one
 *                                                     handler process per job costs before any queue work
 *
 * Prints one JSON line: {"ops": n, "seconds": s, "user": s, "sys": s, "runq": s, "t0": s}: the timed part's wall time, its
 * CPU time in user mode and in the kernel, its time waiting for a CPU, and when it started (CLOCK_MONOTONIC, which
 * every process of the machine shares, so the starts of processes on several simulated hosts compare). Paths are relative to dir fds
 * (openat/renameat/mkdirat) so the kernel walks one component, as a tuned C consumer would.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void die(const char *what, const char *arg) {
  fprintf(stderr, "floor: %s %s: %s\n", what, arg ? arg : "", strerror(errno));
  exit(1);
}

static double user0, sys0, runq0, t0_s;
/* Whose CPU time to report: ours, or (drainby) that of the consumers we forked. */
static int rusage_who = RUSAGE_SELF;

/* Time spent runnable but waiting for a CPU (ns in /proc/self/schedstat): other work on the machine. */
static double runq_s(void) {
  unsigned long long on_cpu = 0, waiting = 0;
  FILE *f = fopen("/proc/self/schedstat", "r");
  if (!f) return 0;
  if (fscanf(f, "%llu %llu", &on_cpu, &waiting) != 2) waiting = 0;
  fclose(f);
  return (double)waiting / 1e9;
}

static double tv_s(struct timeval t) {
  return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

static double clock_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The start of the timed part: also notes the CPU times spent so far. */
static double start(void) {
  struct rusage ru;
  getrusage(rusage_who, &ru);
  user0 = tv_s(ru.ru_utime);
  sys0 = tv_s(ru.ru_stime);
  runq0 = runq_s();
  t0_s = clock_s();
  return t0_s;
}

static int open_dir(const char *base, const char *sub) {
  char p[4096];
  snprintf(p, sizeof p, "%s/%s", base, sub);
  mkdir(p, 0777);
  int fd = open(p, O_RDONLY | O_DIRECTORY);
  if (fd < 0) die("open", p);
  return fd;
}

/* UUIDv7 as the protocol writes it: 48-bit ms, 12-bit per-ms counter, version 7, RFC variant. */
static uint64_t rng_state;
static uint64_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}
static void new_id(char out[37]) {
  static uint64_t last_ms;
  static unsigned counter;
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  uint64_t ms = (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
  if (ms > last_ms) {
    last_ms = ms;
    counter = 0;
  } else if (++counter > 0xfff) {
    last_ms++;
    counter = 0;
  }
  uint64_t r = rng();
  snprintf(out, 37, "%08x-%04x-7%03x-%04x-%012llx", (unsigned)(last_ms >> 16), (unsigned)(last_ms & 0xffff), counter,
           (unsigned)(0x8000 | ((r >> 48) & 0x3fff)), (unsigned long long)(r & 0xffffffffffffULL));
}

struct queue {
  int tmp, queued, processing, success, interrupted;
};

static struct queue open_queue(const char *base) {
  mkdir(base, 0777);
  struct queue q = {open_dir(base, "tmp"), open_dir(base, "queued"), open_dir(base, "processing"), open_dir(base, "success"),
                    open_dir(base, "interrupted")};
  return q;
}

/* Send: write tmp/<id>, rename to queued/raw-<id>. Durable: fsync the file before the
   rename and queued/ after it, the least that puts the job on disk. */
static void send_data(struct queue *q, const char *buf, size_t len, int durable, char name[48]) {
  char id[37];
  new_id(id);
  int fd = openat(q->tmp, id, O_WRONLY | O_CREAT | O_EXCL, 0666);
  if (fd < 0) die("create tmp", id);
  if (write(fd, buf, len) != (ssize_t)len) die("write", id);
  if (durable && fsync(fd) != 0) die("fsync", id);
  close(fd);
  snprintf(name, 48, "raw-%s", id);
  if (renameat(q->tmp, id, q->queued, name) != 0) die("rename", name);
  if (durable && fsync(q->queued) != 0) die("fsync", "queued");
}

static char **fill(struct queue *q, long n, size_t bytes, int durable) {
  char *buf = malloc(bytes ? bytes : 1);
  memset(buf, 'x', bytes);
  char **names = malloc(sizeof(char *) * (size_t)n);
  for (long i = 0; i < n; i++) {
    names[i] = malloc(48);
    send_data(q, buf, bytes, durable, names[i]);
  }
  free(buf);
  return names;
}

/* Claim and finish one queued job by name, as the protocol does: mkdir processing/<job>.<pid>,
   rename the payload into it (the claim), rename it to success/ (the finish), rmdir. */
static void claim_finish(struct queue *q, const char *job, pid_t pid) {
  char dir[320], payload[340];
  snprintf(dir, sizeof dir, "%s.%d", job, (int)pid);
  snprintf(payload, sizeof payload, "%s/raw", dir);
  if (mkdirat(q->processing, dir, 0777) != 0) die("mkdir", dir);
  if (renameat(q->queued, job, q->processing, payload) != 0) die("claim", job);
  if (renameat(q->processing, payload, q->success, job) != 0) die("finish", job);
  if (unlinkat(q->processing, dir, AT_REMOVEDIR) != 0) die("rmdir", dir);
}

/* The file form (data jobs): rename queued/<job> to processing/<job>.<pid> (the claim), rename
   that to success/<job> (the finish). The payload is never opened: the floor is the protocol's
   steps alone. */
static void claim_finish_file(struct queue *q, const char *job, pid_t pid) {
  char entry[320];
  snprintf(entry, sizeof entry, "%s.%d", job, (int)pid);
  if (renameat(q->queued, job, q->processing, entry) != 0) die("claim", job);
  if (renameat(q->processing, entry, q->success, job) != 0) die("finish", job);
}

static void report(long ops, double seconds) {
  struct rusage ru;
  getrusage(rusage_who, &ru);
  printf("{\"ops\":%ld,\"seconds\":%.6f,\"user\":%.6f,\"sys\":%.6f,\"runq\":%.6f,\"t0\":%.6f}\n", ops, seconds, tv_s(ru.ru_utime) - user0,
         tv_s(ru.ru_stime) - sys0, runq_s() - runq0, t0_s);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: floor send|sendfile|fill|drain|drainfile|recover <queue> ...\n");
    return 2;
  }
  rng_state = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)time(NULL);
  if (!rng_state) rng_state = 1;
  const char *mode = argv[1];
  struct queue q = open_queue(argv[2]);
  long n = argc > 3 ? atol(argv[3]) : 0;

  if (!strcmp(mode, "send") && argc == 6) {
    size_t bytes = (size_t)atol(argv[4]);
    int durable = atoi(argv[5]);
    double t0 = start();
    char **names = fill(&q, n, bytes, durable);
    report(n, clock_s() - t0);
    (void)names;
  } else if (!strcmp(mode, "sendfile") && argc == 5) {
    const char *src = argv[4];
    const char *base = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
    struct stat st;
    if (stat(src, &st) != 0) die("stat", src);
    double t0 = start();
    for (long i = 0; i < n; i++) {
      char id[37], name[300];
      new_id(id);
      int in = open(src, O_RDONLY);
      if (in < 0) die("open", src);
      int out = openat(q.tmp, id, O_WRONLY | O_CREAT | O_EXCL, 0666);
      if (out < 0) die("create tmp", id);
      off_t left = st.st_size;
      while (left > 0) {
        ssize_t c = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
        if (c <= 0) die("copy_file_range", src);
        left -= c;
      }
      close(in);
      close(out);
      snprintf(name, sizeof name, "fle-%s-%s", id, base);
      if (renameat(q.tmp, id, q.queued, name) != 0) die("rename", name);
    }
    report(n, clock_s() - t0);
  } else if (!strcmp(mode, "fill") && argc == 5) {
    fill(&q, n, (size_t)atol(argv[4]), 0);
    report(n, 0);
  } else if ((!strcmp(mode, "drain") || !strcmp(mode, "drainfile")) && argc == 5) {
    void (*step)(struct queue *, const char *, pid_t) = !strcmp(mode, "drain") ? claim_finish : claim_finish_file;
    char **names = fill(&q, n, (size_t)atol(argv[4]), 0);
    pid_t pid = getpid();
    double t0 = start();
    for (long i = 0; i < n; i++) {
      step(&q, names[i], pid);
    }
    report(n, clock_s() - t0);
  } else if (!strcmp(mode, "drainby") && argc == 5) {
    int k = atoi(argv[4]);
    char **names = fill(&q, n, 0, 0);
    rusage_who = RUSAGE_CHILDREN;
    double t0 = start();
    for (int c = 0; c < k; c++) {
      pid_t child = fork();
      if (child < 0) die("fork", "");
      if (child > 0) continue;
      pid_t pid = getpid();
      for (long i = c; i < n; i += k) {
        claim_finish_file(&q, names[i], pid);
      }
      _exit(0);
    }
    for (int c = 0; c < k; c++) {
      int status;
      if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) die("wait", "a consumer");
    }
    report(n, clock_s() - t0);
  } else if (!strcmp(mode, "drainshare") && argc == 5) {
    int k = atoi(argv[3]), share = atoi(argv[4]);
    double t0 = start();
    /* The listing is part of the work: a host learns what is queued only by looking. Read whole
       before the first rename, so the renames cannot disturb the directory stream. */
    DIR *d = fdopendir(dup(q.queued));
    if (!d) die("opendir", "queued");
    long mine = 0, cap = 1024;
    char(*jobs)[300] = malloc(sizeof *jobs * (size_t)cap);
    for (struct dirent *e; (e = readdir(d));) {
      uint32_t h = 2166136261u; /* FNV-1a of the name picks its host */
      for (const char *c = e->d_name; *c; c++) h = (h ^ (uint8_t)*c) * 16777619u;
      if (e->d_name[0] == '.' || (int)(h % (uint32_t)k) != share) continue;
      if (mine == cap) jobs = realloc(jobs, sizeof *jobs * (size_t)(cap *= 2));
      snprintf(jobs[mine++], sizeof jobs[0], "%s", e->d_name);
    }
    closedir(d);
    pid_t pid = getpid();
    for (long i = 0; i < mine; i++) {
      claim_finish_file(&q, jobs[i], pid);
    }
    report(mine, clock_s() - t0);
  } else if (!strcmp(mode, "recover") && argc == 3) {
    double t0 = start();
    DIR *d = fdopendir(dup(q.processing));
    if (!d) die("opendir", "processing");
    long moved = 0;
    char payload[600];
    for (struct dirent *e; (e = readdir(d));) {
      if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
      char *dot = strrchr(e->d_name, '.');
      if (!dot) continue;
      pid_t owner = (pid_t)atol(dot + 1);
      if (owner <= 0 || kill(owner, 0) == 0 || errno != ESRCH) continue;
      char job[300];
      snprintf(job, sizeof job, "%.*s", (int)(dot - e->d_name), e->d_name);
      snprintf(payload, sizeof payload, "%s/raw", e->d_name);
      if (renameat(q.processing, payload, q.interrupted, job) != 0) die("rename", payload);
      if (unlinkat(q.processing, e->d_name, AT_REMOVEDIR) != 0) die("rmdir", e->d_name);
      moved++;
    }
    closedir(d);
    report(moved, clock_s() - t0);
  } else if (!strcmp(mode, "list") && argc == 4) {
    /* The page is kept sorted by insertion: page sizes are small (100). */
    long page = n, kept = 0, count = 0;
    char(*oldest)[300] = malloc(sizeof *oldest * (size_t)(page + 1));
    double t0 = start();
    DIR *d = fdopendir(dup(q.queued));
    if (!d) die("opendir", "queued");
    for (struct dirent *e; (e = readdir(d));) {
      if (strncmp(e->d_name, "raw-", 4) && strncmp(e->d_name, "fle-", 4)) continue;
      count++;
      if (kept == page && strcmp(e->d_name + 4, oldest[kept - 1] + 4) >= 0) continue;
      long i = kept < page ? kept++ : kept - 1;
      while (i > 0 && strcmp(e->d_name + 4, oldest[i - 1] + 4) < 0) {
        memcpy(oldest[i], oldest[i - 1], sizeof oldest[i]);
        i--;
      }
      snprintf(oldest[i], sizeof oldest[i], "%s", e->d_name);
    }
    closedir(d);
    report(count, clock_s() - t0);
  } else if (!strcmp(mode, "spawn") && argc == 4) {
    char *args[] = {"true", NULL};
    double t0 = start();
    for (long i = 0; i < n; i++) {
      pid_t child;
      int status;
      if (posix_spawnp(&child, "true", NULL, NULL, args, environ) != 0) die("posix_spawnp", "true");
      if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) die("waitpid", "true");
    }
    report(n, clock_s() - t0);
  } else {
    fprintf(stderr, "floor: bad arguments for %s\n", mode);
    return 2;
  }
  return 0;
}
