import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A data job's claim in our file form (server/src/core/processingEntry.ts): the payload
 * itself at processing/<job name>.<owner>, a regular file, where the original would have a
 * dir. Written through tmp/ and renamed in, as a claim's rename leaves it (its ctime is
 * the claim's time). Returns the entry's path.
 */
export function writeFileFormClaim(base: string, jobName: string, owner: string | number, data: string | Uint8Array): string {
  const tmp = path.join(base, 'tmp', `claim-${jobName}`);
  fs.writeFileSync(tmp, data);
  const entry = path.join(base, 'processing', `${jobName}.${owner}`);
  fs.renameSync(tmp, entry);
  return entry;
}
