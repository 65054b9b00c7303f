/**
 * The protocol's messages for finding, filtering, inspecting and acting on jobs in bulk,
 * and for finding queues in the workspace (issue 10). Part of protocol.ts, which
 * re-exports this module: kept apart so the messages of one feature read together.
 */
import { ParameterStructures, RequestType } from 'vscode-languageserver-protocol';
import type { CountResult, ItemError, WireJob, WireJobState } from './protocol';

/** A state's filter; every field optional, all given must hold. Times are ms since the epoch. */
export interface WireJobFilter {
  /** Part of the job's name (its id or the sent file's name), any case. */
  nameContains?: string;
  /** Part of the last failure's reason, any case. */
  reasonContains?: string;
  sentAfter?: number;
  sentBefore?: number;
  /** When the job entered its finished state; unfinished jobs never match. */
  finishedAfter?: number;
  finishedBefore?: number;
}

export const SORT_KEYS = ['sent', 'finished', 'name', 'size'] as const;
export type WireSortKey = (typeof SORT_KEYS)[number];

/** One run of a job, from its record's history. */
export interface WireAttempt {
  attempt: number;
  startedAt?: number;
  endedAt: number;
  result: 'FAILED' | 'RETRY' | 'INTERRUPTED';
  reason?: string;
  exitCode?: number | null;
  signal?: string | null;
  output?: string;
}

/** The head of a job's payload, read by the worker (the client never opens queue files). */
export interface PayloadPreview {
  /** 'text' when the head is valid UTF-8 without control bytes; else 'binary', shown as hex. */
  kind: 'text' | 'binary';
  /** The text, or a hex dump of the first bytes. */
  content: string;
  /** Bytes shown, of `size`. */
  shown: number;
  size: number;
}

/** Find one job by what the user typed or pasted, in every configured queue (or one). */
export interface FindJobParams {
  text: string;
  queue?: string;
}
export interface FindJobResult {
  /** One per queue that holds a job the text names. */
  matches: { queue: string; job: WireJob }[];
  /** Queues that refused the text (ambiguous there, a prefix too short, unreadable): item = the queue. */
  refusals: ItemError[];
}
export namespace FindJobRequest {
  export const method = 'pacchettino/findJob';
  export const type = new RequestType<FindJobParams, FindJobResult, void>(method, ParameterStructures.byName);
}

/** Every id of a state that matches a filter: what a bulk action "on everything matching" acts on. */
export interface MatchingIdsParams {
  queue: string;
  state: WireJobState;
  filter?: WireJobFilter;
}
export namespace MatchingIdsRequest {
  export const method = 'pacchettino/matchingIds';
  export const type = new RequestType<MatchingIdsParams, { ids: string[] }, void>(method, ParameterStructures.byName);
}

/** Make scheduled jobs due now (their attempts kept). */
export interface PromoteParams {
  queue: string;
  ids: string[];
}
export namespace PromoteRequest {
  export const method = 'pacchettino/promote';
  export const type = new RequestType<PromoteParams, CountResult, void>(method, ParameterStructures.byName);
}

/** Folders under `roots` that are queues (their state folders tell), found by a bounded walk. */
export interface DiscoverQueuesParams {
  roots: string[];
}
export namespace DiscoverQueuesRequest {
  export const method = 'pacchettino/discoverQueues';
  export const type = new RequestType<DiscoverQueuesParams, { queues: string[] }, void>(method, ParameterStructures.byName);
}

/** What a folder holds, asked before it is added as a queue (the client never lists folders itself). */
export interface FolderContentsParams {
  path: string;
}
export interface FolderContents {
  /** false: nothing there yet (adding it creates it). */
  exists: boolean;
  /** false: a file (or something else) stands at the path. */
  isDirectory: boolean;
  /** It already has a queue's state folders. */
  isQueue: boolean;
  /** Why it cannot be looked into (permission denied, say); the other fields then say nothing. */
  error?: string;
  /** Entries other than a queue's own folders, the first few by name. */
  others: string[];
  /** How many such entries in all. */
  otherCount: number;
}
export namespace FolderContentsRequest {
  export const method = 'pacchettino/folderContents';
  export const type = new RequestType<FolderContentsParams, FolderContents, void>(method, ParameterStructures.byName);
}
