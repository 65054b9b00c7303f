/**
 * The one resolver of what users type or paste to name a job: a full id, a uuid prefix of
 * 8+ characters, a job name (`raw-<id>`, `fle-<id>-<file>`), a sent file's name, or a path
 * into any state folder. The library's status/details/requeue/remove, the CLI's `status`
 * and the worker's find all come here, so they accept the same forms.
 *
 * Lookups, not listings, where the name can be looked up: a data job's entry in queued/,
 * success/, failed/ and interrupted/ is `raw-<id>`, one stat; everywhere else the state's
 * sorted listing (a cached FolderSnapshot) is binary-searched by id. Only a sent file's
 * name has to be looked for entry by entry.
 */
import * as path from 'node:path';
import { QueueError } from './errors';
import { entryExists } from './fsName';
import { isUuid } from './jobId';
import { dataJobName, parseJobName, parseProcessingName, parseScheduledName, type ParsedJobName } from './jobName';
import { idOfEntry } from './listingOrder';
import { lowerBound } from './lowerBound';
import { LISTABLE_STATES, type ListableState } from './policy';

/** What a lookup looks for. */
export type JobKey =
  | { kind: 'id'; id: string } // a full id, or the id of a job name or a path
  | { kind: 'prefix'; prefix: string } // the head of a uuid
  | { kind: 'text'; text: string }; // a hand-made id, or else a sent file's name

export interface JobRef {
  state: ListableState;
  entry: string;
  id: string;
}

/** The folders a lookup reads: the Inspector's. */
export interface StateFolders {
  dirOf(state: ListableState): string;
  /** A state's job entries, sorted by idOfEntry. */
  entries(state: ListableState): string[];
}

export const MIN_PREFIX_CHARS = 8;
/** States whose entries are bare job names (no due time before, no owner after): a data job there is `raw-<id>`. */
const STATABLE: ReadonlySet<ListableState> = new Set(['QUEUED', 'SUCCESS', 'FAILED', 'INTERRUPTED']);
/** Candidates named in an AMBIGUOUS error. */
const NAMED_CANDIDATES = 5;

/** LISTABLE_STATES are in the order jobs move: looked in so, a job moving forward during a lookup is still found. */
const LOOKUP_ORDER = LISTABLE_STATES;

/** Reads what the user gave; BAD_NAME says what would have been accepted. */
export function parseJobKey(input: string): JobKey {
  const text = input.trim();
  if (text === '' || text.includes('\0')) throw badName(input);
  if (text.includes('/')) return { kind: 'id', id: idOfPath(input, text) };
  const named = parseJobName(text);
  if (named) return { kind: 'id', id: named.id };
  const lower = text.toLowerCase();
  if (isUuid(lower)) return { kind: 'id', id: lower };
  if (/^[0-9a-f]{1,8}(-[0-9a-f]{0,4}){0,3}(-[0-9a-f]{0,12})?$/.test(lower)) {
    if (lower.replace(/-/g, '').length < MIN_PREFIX_CHARS) {
      throw new QueueError('BAD_NAME', `${JSON.stringify(input)} is too short to look up: give at least ${MIN_PREFIX_CHARS} characters of the id`);
    }
    return { kind: 'prefix', prefix: lower };
  }
  return { kind: 'text', text };
}

/** A path into a state folder (`…/failed/raw-<id>`, `…/processing/<name>.<owner>/raw`, `…/scheduled/<due>-<name>`). */
function idOfPath(input: string, text: string): string {
  const parts = text.split('/').filter((p) => p !== '' && p !== '.');
  const [grand, parent, last] = [parts.at(-3), parts.at(-2), parts.at(-1) ?? ''];
  let job: ParsedJobName | undefined;
  if (parent === 'scheduled') job = parseScheduledName(last)?.job;
  else if (parent === 'processing') job = parseProcessingName(last)?.job;
  else if (grand === 'processing') job = parseProcessingName(parent!)?.job;
  else job = parseJobName(last);
  if (!job) throw new QueueError('BAD_NAME', `${JSON.stringify(input)} is not the path of a job in a queue's state folder`);
  return job.id;
}

function badName(input: string): QueueError {
  return new QueueError('BAD_NAME', `Not a job id, id prefix, job name or path: ${JSON.stringify(input)}`);
}

/**
 * Every job `key` names, at most one per id (a job seen twice while it moved counts once,
 * where it was seen last), in LOOKUP_ORDER; for a full id, the first place it is seen.
 * `states` narrows the search.
 */
export function lookUp(folders: StateFolders, key: JobKey, states: readonly ListableState[] = LOOKUP_ORDER): JobRef[] {
  if (key.kind !== 'prefix') {
    // A data job's entry is named by its id in the folders without a prefix or suffix: one
    // stat each finds it, before any listing (a folder that changes between lookups, as
    // queued/ does during a bulk requeue, would be listed again each time).
    const id = key.kind === 'id' ? key.id : key.text;
    for (const state of states)
      if (STATABLE.has(state) && entryExists(path.join(folders.dirOf(state), dataJobName(id)))) return [{ state, entry: dataJobName(id), id }];
  }
  const byId = new Map<string, JobRef>();
  for (const state of states) {
    const found = lookUpIn(folders, state, key);
    // One id is one job: where it is first seen is where it is (the folders after it are not read).
    if (key.kind === 'id' && found.length > 0) return found.slice(0, 1);
    for (const ref of found) {
      byId.delete(ref.id);
      byId.set(ref.id, ref);
    }
  }
  return [...byId.values()];
}

/**
 * The one job `input` names, or undefined; an input that names several is AMBIGUOUS,
 * with the candidates named, and nothing is done to any of them.
 */
export function resolveJob(folders: StateFolders, input: string, states?: readonly ListableState[]): JobRef | undefined {
  const key = parseJobKey(input);
  for (let tries = 0; tries < 2; tries++) {
    const found = lookUp(folders, key, states);
    if (found.length === 1) return found[0];
    if (found.length > 1) throw ambiguous(input, found);
    // Not found anywhere: it may have moved backwards (a RETRY) while we looked; look once more.
  }
  return undefined;
}

export function ambiguous(input: string, found: JobRef[]): QueueError {
  const named = found
    .slice(0, NAMED_CANDIDATES)
    .map((r) => `${r.id} (${r.state.toLowerCase()})`)
    .join(', ');
  const more = found.length > NAMED_CANDIDATES ? ` and ${found.length - NAMED_CANDIDATES} more` : '';
  return new QueueError('AMBIGUOUS', `${JSON.stringify(input)} names ${found.length} jobs: ${named}${more}; give more of the id`);
}

function lookUpIn(folders: StateFolders, state: ListableState, key: JobKey): JobRef[] {
  if (key.kind === 'prefix') return withIdPrefix(folders, state, key.prefix, false);
  const id = key.kind === 'id' ? key.id : key.text;
  const exact = withIdPrefix(folders, state, id, true);
  if (exact.length > 0 || key.kind === 'id') return exact;
  return withBasename(folders, state, key.text);
}

/** Entries whose id starts with (or, `exact`, is) `prefix`: a binary search of the sorted listing. */
function withIdPrefix(folders: StateFolders, state: ListableState, prefix: string, exact: boolean): JobRef[] {
  const entries = folders.entries(state);
  const lo = lowerBound(entries, (entry) => (idOfEntry(state, entry) ?? '') < prefix);
  const out: JobRef[] = [];
  for (let i = lo; i < entries.length; i++) {
    const id = idOfEntry(state, entries[i]);
    if (id === undefined || !(exact ? id === prefix : id.startsWith(prefix))) break;
    out.push({ state, entry: entries[i], id });
  }
  return out;
}

/** File jobs sent from a file of this name: the one form that needs the whole listing. */
function withBasename(folders: StateFolders, state: ListableState, basename: string): JobRef[] {
  const out: JobRef[] = [];
  for (const entry of folders.entries(state)) {
    // Cheap test first: the basename ends a queued/finished name, and comes before `.<owner>` in processing/.
    if (!entry.includes(basename)) continue;
    const job = state === 'SCHEDULED' ? parseScheduledName(entry)?.job : state === 'PROCESSING' ? parseProcessingName(entry)?.job : parseJobName(entry);
    if (job?.kind === 'file' && job.basename === basename) out.push({ state, entry, id: job.id });
  }
  return out;
}
