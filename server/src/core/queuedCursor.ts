import * as fs from 'node:fs';
import { inShare, ownShare, type Share } from './consumerShare';
import { checkRealDir, entryPath, type Layout } from './layout';
import { fsPath, listNames } from './fsName';
import { byId, isJobEntry } from './listingOrder';

/** How many of the oldest names a contended oldest-first consumer picks among, outside a share. */
const HEAD_WINDOW = 16;

/** Claims lost within a share before it is reckoned again (see lost()), of the last LOSS_WINDOW made, if more than a quarter. */
const LOSSES_TOLERATED = 8;
const LOSS_WINDOW = 64;

/**
 * The queued/ names one consumer works through. One directory listing serves many
 * claims, so draining N jobs one at a time reads the folder O(1) times per batch
 * rather than once per job.
 *
 * With other consumers on the queue, more and more of a listing's names are taken by
 * them, and a failed claim costs a rename (a file job's, a mkdir and an rmdir too) under the
 * file system's rename lock. So once a claim from a listing has been lost, the consumer
 * takes its own share of the names (consumerShare.ts), in the listing's order, and passes over
 * the others' without a system call; when its share of the listing is done, it lists again,
 * which drops what the others took meanwhile, and helps with what is left of theirs (oldest
 * first: from the youngest end, away from their owners). Outside a share (not registered,
 * alone by the registrations, helping), and in a share that others take from too, each name
 * is looked up before it is handed out: an lstat is cheaper than the failed claim it saves. A consumer alone never loses a claim and
 * pays for neither.
 */
export class QueuedCursor {
  private names: string[] = [];
  private pos = 0;
  private contended = false;
  private oldestFirst = false;
  private share?: Share;
  /** Whether this listing has looked for a share already (once: a share that failed stays off). */
  private shareTried = false;
  /** The share's last name is out to be claimed: claimed, unless lost() comes before the next next(). */
  private handedOut = false;
  /** Whether the share's names are looked up before they are handed out (see lost()). */
  private checked = false;
  /** Names of the share claimed since it began. */
  private sharedClaims = 0;
  /** Of the share's last claims (up to LOSS_WINDOW made), how many were made and lost. */
  private windowClaims = 0;
  private windowLosses = 0;
  /** Names of the listing the share passed over, in its order, for when the share has none left. */
  private others: string[] = [];

  constructor(private readonly layout: Layout) {}

  /** Lists queued/ afresh; returns how many job names it holds. */
  refill(randomize: boolean): number {
    // Where claimed jobs come from and go to must be the queue's own folders (see checkRealDir).
    for (const dir of [this.layout.queued, this.layout.processing, this.layout.success, this.layout.failed]) checkRealDir(dir);
    // What each entry is, the listing cannot promise (it may be swapped before the claim):
    // callHandler checks the claimed payload itself.
    const names = listNames(this.layout.queued).filter(isJobEntry);
    if (randomize) shuffle(names);
    else names.sort(byId);
    this.names = names;
    this.pos = 0;
    this.contended = false;
    this.oldestFirst = !randomize;
    this.share = undefined;
    this.shareTried = false;
    this.handedOut = false;
    this.others = [];
    return names.length;
  }

  /** The next name to claim; `skip`'s names are passed over (in this listing). */
  next(skip?: (name: string) => boolean): string | undefined {
    if (this.handedOut) {
      this.handedOut = false;
      this.sharedClaims++;
      if (++this.windowClaims >= LOSS_WINDOW) this.windowClaims = this.windowLosses = 0;
    }
    if (this.share) {
      const name = this.nextInShare(skip);
      if (name !== undefined) return name;
      // The share is done with this listing: list again (exhausted), which drops what the
      // others took. A share that claimed none of this listing's names would list again for
      // nothing, and forever: then the rest, the others' names, are walked as below.
      if (this.sharedClaims > 0) {
        this.others = [];
        return undefined;
      }
      this.leaveShare();
      // Helping with the others' shares: oldest first, from the youngest end, so as not to
      // race their owners for the names each is about to take.
      if (this.oldestFirst) this.names.reverse();
    }
    while (this.pos < this.names.length) {
      if (this.contended && this.oldestFirst) this.spreadHead();
      const name = this.names[this.pos++];
      if (skip?.(name)) continue;
      if (!this.contended || fs.lstatSync(fsPath(entryPath(this.layout.queued, name)), { throwIfNoEntry: false })) return name;
    }
    return undefined;
  }

  private nextInShare(skip?: (name: string) => boolean): string | undefined {
    while (this.pos < this.names.length) {
      const name = this.names[this.pos++];
      if (skip?.(name)) continue;
      if (!inShare(name, this.share!)) this.others.push(name);
      else if (!this.checked || fs.lstatSync(fsPath(entryPath(this.layout.queued, name)), { throwIfNoEntry: false })) {
        this.handedOut = true;
        return name;
      }
    }
    return undefined;
  }

  /** Back to every name of the listing not yet handed out: the ones passed over come first, still in the listing's order. */
  private leaveShare(): void {
    this.names = this.others.concat(this.names.slice(this.pos));
    this.pos = 0;
    this.others = [];
    this.share = undefined;
  }

  /**
   * Consumers taking the oldest first all go for the same few names, and all but one of
   * them lose each time. Once contended, take one of the next HEAD_WINDOW names at random
   * instead: still among the oldest, and consumers seldom pick the same one.
   */
  private spreadHead(): void {
    const j = this.pos + Math.floor(Math.random() * Math.min(HEAD_WINDOW, this.names.length - this.pos));
    [this.names[this.pos], this.names[j]] = [this.names[j], this.names[this.pos]];
  }

  /** A claim of a name from this listing failed: another consumer is taking them too. */
  lost(): void {
    this.contended = true;
    if (this.share) {
      this.handedOut = false;
      // A few are the others' claims from before they took their shares (each takes any name
      // until it loses one), or a newcomer's, which soon takes its own.
      if (++this.windowLosses <= LOSSES_TOLERATED || this.windowLosses * 4 <= this.windowClaims) return;
      // More: the registrations changed (a consumer came or went), another takes names of our
      // share (one that started before us, or helps as its own is done), or two queue objects
      // of this process share one. A new reckoning; else the share's names looked up before
      // they are handed out (still none of the others'); and if even that loses, the rest walked.
      const was = this.share;
      const again = ownShare(this.layout);
      if (again && (again.count !== was.count || again.index !== was.index)) {
        this.leaveShare();
        this.enterShare(again);
      } else if (!this.checked) {
        this.checked = true;
        this.windowClaims = this.windowLosses = 0;
      } else this.leaveShare();
    } else if (!this.shareTried) {
      this.shareTried = true;
      const share = ownShare(this.layout);
      if (share) this.enterShare(share);
    }
  }

  private enterShare(share: Share): void {
    this.share = share;
    this.checked = false;
    this.sharedClaims = this.windowClaims = this.windowLosses = 0;
  }

  get exhausted(): boolean {
    return this.pos >= this.names.length;
  }

  /** Forget the listing: after a watch event, say, when order matters. */
  invalidate(): void {
    this.pos = this.names.length;
    this.others = [];
  }
}

function shuffle<T>(a: T[]): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
}
