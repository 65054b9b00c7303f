/// <reference types="mocha" />
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PacchettinoApi } from '../../../client/src/api';
import { fillQueue } from '../fixtures/queues';
import { EXTENSION_ID, extensionApi, freshQueueDir, jobShownIn, showJobsView, treeItem, useQueues } from './extensionUnderTest';
import { consumerLines, defineTasks, fetchTask, startTask } from './taskRuns';

// One queue per case, so no case's leftover job is taken by the next one's consumer.
const CASES = ['ok', 'fail', 'retry', 'interrupt', 'persistent', 'module', 'crashloop'] as const;
/** The module task's handler, beside the queues (tasks.json names it relative to the workspace folder). */
const MODULE_REL = 'queues/task-module-handler.js';
const rel = (c: string) => `queues/task-${c}`;

describe('Consumer tasks', () => {
  let api: PacchettinoApi;
  const dirs: Record<string, string> = {};

  before(async () => {
    api = await extensionApi();
    for (const c of CASES) dirs[c] = freshQueueDir(`task-${c}`);
    // Quick sweeps, so a killed consumer's job is interrupted within a second or two.
    await vscode.workspace.getConfiguration('pacchettino').update('recoveryInterval', 1, vscode.ConfigurationTarget.Workspace);
    await useQueues(api, CASES.map(rel));
    await showJobsView(api);
    await defineTasks([
      { label: 'consume ok', type: 'pacchettino', queue: rel('ok'), command: 'echo "handled $PACCHETTINO_JOB_ID"', once: true },
      { label: 'consume fail', type: 'pacchettino', queue: rel('fail'), command: 'echo broken >&2; exit 3', once: true },
      { label: 'consume retry', type: 'pacchettino', queue: rel('retry'), command: 'exit 75', once: true },
      { label: 'consume sleeper', type: 'pacchettino', queue: rel('interrupt'), command: 'sleep 30' },
      {
        label: 'consume persistent',
        type: 'pacchettino',
        queue: rel('persistent'),
        command: `echo "handler started"; tab=$(printf '\\t'); while IFS="$tab" read -r id rest <&3; do echo "handled $id"; echo SUCCESS >&3; done`,
        persistent: true,
        once: true,
      },
      { label: 'consume module', type: 'pacchettino', queue: rel('module'), module: MODULE_REL, once: true },
      // Not --once: a crash-looping handler ends the task by itself.
      { label: 'consume crashloop', type: 'pacchettino', queue: rel('crashloop'), command: 'echo "cannot start" >&2; exit 1', persistent: true },
    ]);
    fs.mkdirSync(path.dirname(dirs.module), { recursive: true });
    fs.writeFileSync(
      path.join(path.dirname(dirs.module), path.basename(MODULE_REL)),
      "module.exports = async (job) => { console.log('module handled ' + job.id); return 'SUCCESS'; };\n",
    );
  });

  after(async () => {
    await vscode.workspace.getConfiguration('pacchettino').update('defaultHandler', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('offers a consumer per queue once a default handler is set, running the bundled CLI', async () => {
    assert.deepEqual(
      (await vscode.tasks.fetchTasks({ type: 'pacchettino' })).filter((t) => t.source === 'pacchettino'),
      [],
    );
    await vscode.workspace.getConfiguration('pacchettino').update('defaultHandler', 'wc -c "$PACCHETTINO_JOB_FILE"', vscode.ConfigurationTarget.Workspace);
    const provided = (await vscode.tasks.fetchTasks({ type: 'pacchettino' })).filter((t) => t.source === 'pacchettino');
    assert.deepEqual(provided.map((t) => t.name).sort(), CASES.map((c) => `consume ${rel(c)}`).sort());
    // What they run is checked on a running one's process (the stop test below): a CustomExecution does not show it.
    assert.ok(provided.every((t) => t.execution !== undefined));
  });

  it('a handler that succeeds moves the job to Success, in the tree and on disk', async () => {
    const [id] = await fillQueue(dirs.ok, { queued: 1 });
    const run = await startTask(await fetchTask('consume ok'));
    assert.equal(await run.exitCode, 0);
    await jobShownIn(api, dirs.ok, 'SUCCESS', id);
    assert.ok(fs.existsSync(path.join(dirs.ok, 'success', `raw-${id}`)));
    assert.deepEqual(fs.readdirSync(path.join(dirs.ok, 'queued')), []);
  });

  it('a handler exiting 3 fails the job, with exit code 3 as the reason', async () => {
    const [id] = await fillQueue(dirs.fail, { queued: 1 });
    const run = await startTask(await fetchTask('consume fail'));
    assert.equal(await run.exitCode, 1, 'consume --once with a failed job exits 1');
    const job = await jobShownIn(api, dirs.fail, 'FAILED', id);
    assert.equal(job.job.reason, 'exit code 3');
    assert.match(String(treeItem(api, job).description), /exit code 3/);
    assert.match((treeItem(api, job).tooltip as vscode.MarkdownString).value, /failure reason: `exit code 3`/);
    assert.ok(fs.existsSync(path.join(dirs.fail, 'failed', `raw-${id}`)));
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>('pacchettino.showDetails', job);
    assert.equal(doc.languageId, 'markdown');
    // The exit code once: the core's reason ("exit code 3") says nothing more.
    assert.match(doc.getText(), /- Attempt 1: .*\*\*FAILED\*\* · exit code 3$/m);
    assert.match(doc.getText(), /broken/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('a handler exiting 75 puts the job back in the queue with its attempt counted', async () => {
    const [id] = await fillQueue(dirs.retry, { queued: 1 });
    const run = await startTask(await fetchTask('consume retry'));
    assert.equal(await run.exitCode, 0);
    const job = await jobShownIn(api, dirs.retry, 'QUEUED', id, { where: (j) => j.job.attempts === 1 });
    assert.match(String(treeItem(api, job).description), /1 attempt/);
    assert.ok(fs.existsSync(path.join(dirs.retry, 'queued', `raw-${id}`)));
  });

  it('a persistent task starts its command once and hands it every job over fd 3', async () => {
    const ids = await fillQueue(dirs.persistent, { queued: 3 });
    const run = await startTask(await fetchTask('consume persistent'));
    assert.equal(await run.exitCode, 0);
    for (const id of ids) await jobShownIn(api, dirs.persistent, 'SUCCESS', id);
    const lines = await consumerLines(api, (text) => ids.every((id) => text.includes(`[consume persistent] handled ${id}`)));
    assert.equal(lines.match(/\[consume persistent\] handler started/g)?.length, 1, 'one handler process for the three jobs');
  });

  it('a module task runs the module’s function per job in the consumer’s worker threads', async () => {
    const ids = await fillQueue(dirs.module, { queued: 2 });
    const run = await startTask(await fetchTask('consume module'));
    assert.equal(await run.exitCode, 0);
    for (const id of ids) await jobShownIn(api, dirs.module, 'SUCCESS', id);
    await consumerLines(api, (text) => ids.every((id) => text.includes(`[consume module] module handled ${id}`)));
  });

  it('a persistent task whose handler dies before answering any job ends by itself with exit 70, saying why; the rest stays queued', async () => {
    const ids = await fillQueue(dirs.crashloop, { queued: 7 });
    const run = await startTask(await fetchTask('consume crashloop'));
    assert.equal(await run.exitCode, 70);
    await consumerLines(api, (text) => /\[consume crashloop\] pacchettino: the handler died before answering any job 5 times in a row/.test(text));
    assert.equal(fs.readdirSync(path.join(dirs.crashloop, 'failed')).length, 5);
    assert.deepEqual(
      fs.readdirSync(path.join(dirs.crashloop, 'queued')).sort(),
      ids
        .slice(5)
        .map((id) => `raw-${id}`)
        .sort(),
    );
  });

  it('a task stopped while its handler runs leaves the job to the sweep: Interrupted; requeue puts it back in Queued; its lines stay readable', async () => {
    const [id] = await fillQueue(dirs.interrupt, { queued: 1 });
    const run = await startTask(await fetchTask('consume sleeper'));
    const running = await jobShownIn(api, dirs.interrupt, 'PROCESSING', id);
    // The job's owner is the task's consumer: the bundled CLI, run by the extension host's runtime as plain Node.
    const pid = running.job.ownerPid!;
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
    const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
    assert.deepEqual(argv.slice(0, 4), [process.execPath, cli, 'consume', dirs.interrupt]);
    assert.deepEqual(argv.slice(-4), ['--', 'sh', '-c', 'sleep 30']);
    assert.ok(fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes('ELECTRON_RUN_AS_NODE=1'));

    run.execution.terminate();
    await run.exitCode;
    // The terminal is gone (VS Code disposes a stopped task's); its lines are in the Pacchettino Consumers output.
    const lines = await consumerLines(api, (text) => text.includes('stopped by the user'));
    assert.match(lines, new RegExp(`\\[consume sleeper\\] START ${id}`));
    const t0 = performance.now();
    const interrupted = await jobShownIn(api, dirs.interrupt, 'INTERRUPTED', id);
    console.log(`[measure] task stopped -> job shown as Interrupted: ${(performance.now() - t0).toFixed(0)} ms (recovery interval 1 s)`);
    assert.ok(fs.existsSync(path.join(dirs.interrupt, 'interrupted', `raw-${id}`)));

    const result = await vscode.commands.executeCommand<{ done: number }>('pacchettino.requeue', interrupted);
    assert.equal(result.done, 1);
    await jobShownIn(api, dirs.interrupt, 'QUEUED', id);
    assert.ok(fs.existsSync(path.join(dirs.interrupt, 'queued', `raw-${id}`)));
  });
});
