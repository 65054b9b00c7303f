// "Show Why It Failed": a read-only markdown document per job, served from the
// worker's job record (reason, exit code, signal, the handler's output).
import * as vscode from 'vscode';
import type { WireJobDetails } from '@pacchettino/shared';
import { stateLabel } from './jobNodes';
import type { WorkerClient } from './workerClient';

export const FAILURE_SCHEME = 'pacchettino-failure';

export class FailureDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly worker: WorkerClient) {}

  /** The document's address names the job; its text is asked for each time it opens. */
  static uriFor(queue: string, id: string): vscode.Uri {
    return vscode.Uri.from({ scheme: FAILURE_SCHEME, path: `/${id}.md`, query: new URLSearchParams({ queue }).toString() });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const queue = new URLSearchParams(uri.query).get('queue') ?? '';
    const id = uri.path.replace(/^\//, '').replace(/\.md$/, '');
    const job = await this.worker.job({ queue, id });
    return job ? failureMarkdown(job) : `# Job ${id}\n\nThe job is no longer in ${queue}: it was deleted or cleaned up.\n`;
  }
}

export function failureMarkdown(job: WireJobDetails): string {
  const r = job.record;
  const lines = [
    `# ${stateLabel(job.state)}: ${job.originalName ?? job.id}`,
    '',
    `| | |`,
    `|---|---|`,
    `| Job id | \`${job.id}\` |`,
    `| Reason | ${escapeCell(r?.reason ?? job.reason ?? 'none recorded')} |`,
    `| Exit code | ${r?.exitCode ?? '—'} |`,
  ];
  if (r?.signal) lines.push(`| Signal | ${r.signal} |`);
  lines.push(`| Attempts | ${r?.attempts ?? job.attempts} |`);
  if (r?.lastResult) lines.push(`| Last result | ${r.lastResult} |`);
  if (r?.updatedAt) lines.push(`| Recorded at | ${new Date(r.updatedAt).toISOString()} |`);
  if (job.sentAt) lines.push(`| Sent at | ${new Date(job.sentAt).toISOString()} |`);
  lines.push(`| Payload | \`${job.path}\` |`, '', '## Output', '');
  const output = r?.output?.trimEnd();
  // A fence longer than any run of backticks in the output keeps it verbatim.
  const fence = '`'.repeat(Math.max(3, ...[...(output ?? '').matchAll(/`+/g)].map((m) => m[0].length + 1)));
  lines.push(output ? `${fence}text\n${output}\n${fence}` : '_The handler printed nothing._', '');
  return lines.join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
