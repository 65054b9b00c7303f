// "Show Details": one read-only markdown document per job, served from the worker (the
// job, its record's history of attempts and the head of its payload). It is re-read
// when the worker says the job's queue changed, and says where the job went.
import * as vscode from 'vscode';
import type { WireAttempt, WireJobDetails, WireJobState } from '@pacchettino/shared';
import { stateLabel } from './jobNodes';
import { progressLabel } from './liveLook';
import { queueLabel } from './queueLabel';
import type { WorkerClient } from './workerClient';

export const DETAILS_SCHEME = 'pacchettino-job';

export class JobDetailsDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  /** Where each open document last saw its job, to say where it went. */
  private readonly lastSeen = new Map<string, { state: WireJobState; at: number }>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly worker: WorkerClient) {
    // A push names queues that changed: re-read the open documents of those (VS Code asks again only for open ones).
    this.subscription = worker.onDidChangeQueues(() => {
      for (const doc of vscode.workspace.textDocuments) if (doc.uri.scheme === DETAILS_SCHEME) this.changed.fire(doc.uri);
    });
  }

  /** The document's address names the queue and the job; its text is asked for each time it is shown. */
  static uriFor(queue: string, id: string): vscode.Uri {
    return vscode.Uri.from({ scheme: DETAILS_SCHEME, path: `/${id}.md`, query: new URLSearchParams({ queue }).toString() });
  }

  static jobOf(uri: vscode.Uri): { queue: string; id: string } {
    return { queue: new URLSearchParams(uri.query).get('queue') ?? '', id: uri.path.replace(/^\//, '').replace(/\.md$/, '') };
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const { queue, id } = JobDetailsDocuments.jobOf(uri);
    const key = uri.toString();
    const before = this.lastSeen.get(key);
    const job = await this.worker.job({ queue, id, preview: true });
    if (!job) {
      const where = before ? vscode.l10n.t('It was last seen in {0}.', stateLabel(before.state)) : '';
      return `# ${vscode.l10n.t('Job {0}', id)}\n\n${vscode.l10n.t('The job is no longer in {0}: it was deleted or cleaned up.', queueLabel(queue))} ${where}\n`;
    }
    const moved = before && before.state !== job.state ? before : undefined;
    this.lastSeen.set(key, { state: job.state, at: Date.now() });
    return detailsMarkdown(queue, job, moved);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** Opens a job's details as a markdown preview (the document itself where no preview is available). */
export async function showJobDetails(queue: string, id: string): Promise<vscode.TextDocument> {
  const uri = JobDetailsDocuments.uriFor(queue, id);
  const doc = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(uri), 'markdown');
  // The built-in markdown extension registers its command only once activated, which running it does.
  await vscode.commands.executeCommand('markdown.showPreview', uri).then(undefined, () => vscode.window.showTextDocument(doc, { preview: true }));
  return doc;
}

const when = (ms: number | undefined) => (ms === undefined ? '—' : new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC'));

export function detailsMarkdown(queue: string, job: WireJobDetails, movedFrom?: { state: WireJobState; at: number }): string {
  const r = job.record;
  const lines: string[] = [`# ${stateLabel(job.state)}: ${job.originalName ?? job.id}`, ''];
  if (movedFrom) {
    lines.push(`> ${vscode.l10n.t('Moved: this job was {0}, it is now {1}.', stateLabel(movedFrom.state), stateLabel(job.state))}`, '');
  }
  lines.push(
    '| | |',
    '|---|---|',
    `| ${vscode.l10n.t('Job id')} | \`${job.id}\` |`,
    `| ${vscode.l10n.t('Job name')} | \`${cell(job.name)}\` |`,
    `| ${vscode.l10n.t('Queue')} | ${cell(queueLabel(queue))} |`,
    `| ${vscode.l10n.t('State')} | ${stateLabel(job.state)} |`,
    `| ${vscode.l10n.t('Kind')} | ${job.kind === 'file' ? vscode.l10n.t('file ({0})', cell(job.originalName ?? '')) : vscode.l10n.t('data')} |`,
    `| ${vscode.l10n.t('Size')} | ${job.size === undefined ? '—' : vscode.l10n.t('{0} bytes', job.size.toLocaleString('en-US'))} |`,
    `| ${vscode.l10n.t('Attempts')} | ${r?.attempts ?? job.attempts} |`,
  );
  if (job.state === 'PROCESSING') {
    // The owner is what the processing dir's name says: a pid (the consumer's host is this one) or a lock token.
    lines.push(
      `| ${vscode.l10n.t('Owner')} | ${job.ownerPid !== undefined ? vscode.l10n.t('pid {0}', job.ownerPid) : vscode.l10n.t('lock {0}', job.owner ?? '?')} |`,
    );
    if (job.progress) lines.push(`| ${vscode.l10n.t('Progress')} | ${cell(progressLabel(job.progress))} (${when(job.progress.at)}) |`);
  }
  if (job.reason) lines.push(`| ${vscode.l10n.t('Reason')} | ${cell(job.reason)} |`);
  // A path, not a link: the markdown preview renders no file: links (markdown-it refuses the scheme).
  lines.push(`| ${vscode.l10n.t('Payload')} | \`${cell(job.path)}\` |`, '');

  lines.push(`## ${vscode.l10n.t('Timeline')}`, '');
  lines.push(`- ${vscode.l10n.t('Sent')}: ${when(job.sentAt)}`);
  if (job.dueAt !== undefined) lines.push(`- ${job.attempts > 0 ? vscode.l10n.t('Next retry due') : vscode.l10n.t('Due')}: ${when(job.dueAt)}`);
  const history = r?.history ?? [];
  for (const run of history) lines.push(...attemptLines(run));
  if (job.state === 'PROCESSING') lines.push(`- ${vscode.l10n.t('Running now')}`);
  lines.push('');

  lines.push(`## ${vscode.l10n.t('Payload')}`, '');
  const p = job.preview;
  if (!p) lines.push(vscode.l10n.t('_The payload could not be read (it is moving)._'));
  else {
    const cut = p.shown < p.size ? vscode.l10n.t(' (the first {0} of {1} bytes)', p.shown.toLocaleString('en-US'), p.size.toLocaleString('en-US')) : '';
    if (job.kind === 'file') lines.push(vscode.l10n.t("Open Payload, in the job's menu, opens the file in an editor of its own.") + cut, '');
    else if (cut) lines.push(cut.trim(), '');
    lines.push(p.size === 0 ? vscode.l10n.t('_Empty._') : fenced(p.content.replace(/\r?\n$/, ''), p.kind === 'binary' ? 'hexdump' : 'text'));
  }
  lines.push('');
  return lines.join('\n');
}

function attemptLines(run: WireAttempt): string[] {
  const took = run.startedAt !== undefined ? ` · ${((run.endedAt - run.startedAt) / 1000).toFixed(1)} s` : '';
  const exit =
    run.exitCode !== undefined && run.exitCode !== null ? ` · ${vscode.l10n.t('exit code {0}', run.exitCode)}` : run.signal ? ` · ${run.signal}` : '';
  // The core's reason for a handler that just exited non-zero is "exit code N": said once already.
  const reason = run.reason && run.reason !== `exit code ${run.exitCode}` ? ` — ${cell(run.reason)}` : '';
  const out = [
    `- ${vscode.l10n.t('Attempt {0}', run.attempt)}: ${vscode.l10n.t('started {0}, ended {1}', when(run.startedAt), when(run.endedAt))}${took} · **${run.result}**${exit}${reason}`,
  ];
  if (run.output?.trim()) out.push('', indent(fenced(run.output.trimEnd(), 'text')), '');
  return out;
}

/** A fence longer than any run of backticks in the text keeps it verbatim. */
function fenced(text: string, lang: string): string {
  const fence = '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${fence}${lang}\n${text}\n${fence}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
