import * as fs from 'node:fs';
import { fsPath } from './fsName';
import { parseProcessingName, payloadNameOf, type ParsedJobName } from './jobName';
import { entryPath } from './layout';
import { ownerKind } from './ownerLiveness';

/**
 * The two forms a claim takes in processing/, both named `<job name>.<owner>` (so the
 * original's isProcessing/status, which match any entry by its id, see either):
 *
 * - 'dir': the original's form, a directory holding the payload as `raw` (data job) or
 *   under the sent file's own basename (file job). The original makes these; we make them
 *   for file jobs, whose handler must see the file's own name and extension.
 * - 'file': ours for data jobs, the payload itself renamed to `<job name>.<owner>`. One
 *   rename claims it and one rename files it: no mkdir, no rmdir. Both versions of the
 *   original skip entries of processing/ that are not directories, so neither its claims nor
 *   its recovery ever touch one (its recovery cannot file a dead owner's file-form claim
 *   either: ours does, see recover.ts).
 *
 * The two never collide on a name: a rename of a file onto a dir fails (EISDIR), a mkdir on
 * a file fails (EEXIST), so whichever came first holds the name.
 */
export type ClaimForm = 'dir' | 'file';

/** The form our consumers claim a job in. */
export function claimFormFor(job: ParsedJobName): ClaimForm {
  return job.kind === 'data' ? 'file' : 'dir';
}

export interface ProcessingEntry {
  job: ParsedJobName;
  owner: string;
  form: ClaimForm;
}

/**
 * Reads an entry of processing/ as a claim, given what the listing (or an lstat) says it is.
 * Undefined for anything that is no claim: a name that does not parse, an owner suffix that
 * is neither a pid nor a lock token, a file-form entry of a file job (we never make one:
 * `fle-<id>-report.pdf.1234` laid there by hand is a stray), a link, a FIFO.
 */
export function claimOf(name: string, type: { isDirectory(): boolean; isFile(): boolean }): ProcessingEntry | undefined {
  const form: ClaimForm | undefined = type.isDirectory() ? 'dir' : type.isFile() ? 'file' : undefined;
  if (form === undefined) return undefined;
  const parsed = parseProcessingName(name);
  if (!parsed || ownerKind(parsed.owner) === undefined) return undefined;
  if (form === 'file' && parsed.job.kind !== 'data') return undefined;
  return { ...parsed, form };
}

/** Where the payload of processing/<entry> is: the entry itself in the file form, inside it in the dir form. */
export function payloadOfEntry(entry: string, job: ParsedJobName, form: ClaimForm): string {
  return form === 'file' ? entry : entryPath(entry, payloadNameOf(job));
}

/**
 * The payload of a processing/ entry known only by name (a view's lookup): a data job's
 * entry may be in either form, which one lstat settles (gone meanwhile: where it was, by
 * the form we would have made). Undefined for a name that is no `<job name>.<owner>`.
 */
export function payloadOfNamedEntry(processingDir: string, name: string): string | undefined {
  const parsed = parseProcessingName(name);
  if (!parsed) return undefined;
  const entry = entryPath(processingDir, name);
  const st = fs.lstatSync(fsPath(entry), { throwIfNoEntry: false });
  const form: ClaimForm = st ? (st.isDirectory() ? 'dir' : 'file') : claimFormFor(parsed.job);
  return payloadOfEntry(entry, parsed.job, form);
}
