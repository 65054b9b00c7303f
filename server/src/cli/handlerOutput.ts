import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { MAX_OUTPUT_CHARS } from '../core';
import { passThrough } from './output';

/**
 * Handler output goes to our stdout and stderr as it comes. When they are slow (a pipe
 * nobody reads yet), the handler's pipe is paused until they drain, so the handler waits
 * on its writes instead of us buffering them: one 'drain' listener per destination
 * resumes every paused source, however many handlers run.
 */
class Backpressure {
  private readonly paused = new Set<Readable>();
  constructor(dest: NodeJS.WriteStream) {
    dest.on('drain', () => {
      for (const src of this.paused) src.resume();
      this.paused.clear();
    });
  }
  hold(src: Readable): void {
    src.pause();
    this.paused.add(src);
  }
  release(src: Readable): void {
    this.paused.delete(src);
  }
  holds(src: Readable): boolean {
    return this.paused.has(src);
  }
}
/**
 * Once the handler has exited, how long its pipes may stay quiet before we stop reading
 * them: what it wrote itself is in the pipe already, and a daemon it started (which left
 * its group, so no signal reaches it) may hold the pipes open for ever.
 */
export const OUTPUT_DRAIN_MS = 200;

let toStdout: Backpressure | undefined;
let toStderr: Backpressure | undefined;

/**
 * A handler's stdout and stderr, passed through to ours with backpressure, the tail kept
 * for the job's record (`take()`: what came since the last take). One decoder per stream:
 * a character split across two reads is decoded whole, not as two U+FFFD.
 */
export class HandlerOutput {
  private tail = '';
  private readonly decoders = { out: new StringDecoder('utf8'), err: new StringDecoder('utf8') };
  private exited = false;
  private drainTimer?: NodeJS.Timeout;

  constructor(
    readonly out: Readable,
    readonly err: Readable,
  ) {
    const onChunk = () => this.closeWhenQuiet();
    const stdout = (toStdout ??= new Backpressure(process.stdout));
    const stderr = (toStderr ??= new Backpressure(process.stderr));
    out.on('data', (c: Buffer) => {
      this.keep(this.decoders.out, c);
      if (!passThrough(c)) stdout.hold(out);
      onChunk();
    });
    err.on('data', (c: Buffer) => {
      this.keep(this.decoders.err, c);
      if (!process.stderr.write(c)) stderr.hold(err);
      onChunk();
    });
  }

  private keep(from: StringDecoder, chunk: Buffer): void {
    this.tail += from.write(chunk);
    if (this.tail.length > 2 * MAX_OUTPUT_CHARS) this.tail = this.tail.slice(this.tail.length - MAX_OUTPUT_CHARS);
  }

  /** The handler has exited: stop reading once its pipes have been quiet for OUTPUT_DRAIN_MS (a daemon it started may hold them for ever). */
  processExited(): void {
    this.exited = true;
    this.closeWhenQuiet();
  }

  private closeWhenQuiet(): void {
    if (!this.exited) return;
    clearTimeout(this.drainTimer);
    this.drainTimer = setTimeout(() => {
      // Still passing on what the handler wrote: keep reading.
      if (this.passing) return this.closeWhenQuiet();
      this.destroy();
    }, OUTPUT_DRAIN_MS);
  }

  /** Whether we are still passing on what the handler wrote (our stdout or stderr is full). */
  get passing(): boolean {
    return toStdout!.holds(this.out) || toStderr!.holds(this.err);
  }

  /** What the handler printed since the last take; `end` flushes the decoders (the streams are over). */
  take(end = false): string {
    if (end) {
      clearTimeout(this.drainTimer);
      toStdout!.release(this.out);
      toStderr!.release(this.err);
      this.tail += this.decoders.out.end() + this.decoders.err.end();
    }
    const t = this.tail;
    this.tail = '';
    return t;
  }

  destroy(): void {
    this.out.destroy();
    this.err.destroy();
  }
}
