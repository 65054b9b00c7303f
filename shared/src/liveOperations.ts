/**
 * The live-operations part of the protocol (issue 11): pausing a queue, who is consuming
 * it, rescheduling a job, throughput over time. Re-exported by protocol.ts, so both sides
 * import it from `@pacchettino/shared` like every other message.
 */
import { ParameterStructures, RequestType } from 'vscode-languageserver-protocol';
import type { QueueSummary } from './protocol';

/** What a running job's handler last reported (`job.progress()`, or PACCHETTINO_PROGRESS_FILE). */
export interface WireProgress {
  percent?: number;
  message?: string;
  /** When it was reported (ms since epoch). */
  at: number;
}

export interface PauseParams {
  queue: string;
  /** true pauses, false resumes. */
  paused: boolean;
}
/** Answers the queue's fresh summary (its `paused` says the new state). */
export namespace PauseRequest {
  export const method = 'pacchettino/pause';
  export const type = new RequestType<PauseParams, QueueSummary, void>(method, ParameterStructures.byName);
}

export interface WireConsumerJob {
  id: string;
  name: string;
  /** When it was claimed (its processing dir was made). */
  since: number;
  progress?: WireProgress;
}

export interface WireConsumer {
  /** As processing dirs name it: a pid, or a lock-file token. */
  owner: string;
  host?: string;
  pid?: number;
  /** When the consumer started (its registration, else the process's start time). */
  since?: number;
  /** What it runs: the task's label or the handler command, else the process's command line. */
  command?: string;
  /** False for consumers seen only through their processing dirs (the original's, say). */
  registered: boolean;
  jobs: WireConsumerJob[];
}

export interface ConsumersParams {
  queue: string;
}
export namespace ConsumersRequest {
  export const method = 'pacchettino/consumers';
  export const type = new RequestType<ConsumersParams, WireConsumer[], void>(method, ParameterStructures.byName);
}

export interface RescheduleParams {
  queue: string;
  id: string;
  /** The new due time (ms since epoch); a time not in the future queues the job now. */
  dueAt: number;
}
export namespace RescheduleRequest {
  export const method = 'pacchettino/reschedule';
  export const type = new RequestType<RescheduleParams, { dueAt: number }, void>(method, ParameterStructures.byName);
}

export interface WireStatsBucket {
  /** Start of the bucket (ms since epoch). */
  start: number;
  success: number;
  failed: number;
  retried: number;
  interrupted: number;
  /** Jobs queued at the last sample in the bucket; absent when nothing sampled it. */
  depth?: number;
}
export interface WireStats {
  queue: string;
  bucketMs: number;
  buckets: WireStatsBucket[];
}
export interface StatsParams {
  queue: string;
  window: 'hour' | 'day';
}
export namespace StatsRequest {
  export const method = 'pacchettino/stats';
  export const type = new RequestType<StatsParams, WireStats, void>(method, ParameterStructures.byName);
}
