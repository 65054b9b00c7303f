import * as fs from 'node:fs';

/**
 * statfs(2) magic numbers of file systems that other machines may mount too. FUSE is in
 * the list because sshfs, GlusterFS, s3fs and most network file systems on Linux are FUSE
 * (a local FUSE file system is taken for shared too: being careful costs a slower recovery
 * of dead hosts' jobs, being wrong costs live jobs).
 */
const SHARED_FS_TYPES = new Map<number, string>([
  [0x6969, 'NFS'],
  [0xfe534d42, 'SMB2'],
  [0xff534d42, 'CIFS'],
  [0x517b, 'SMB'],
  [0x65735546, 'FUSE'],
  [0x01021997, '9p'],
  [0x00c36400, 'Ceph'],
  [0x0bd00bd0, 'Lustre'],
  [0x47504653, 'GPFS'],
  [0x013111a8, 'IBRIX'],
  [0x5346414f, 'AFS'],
  [0x6b414653, 'AFS (kAFS)'],
  [0x73757245, 'Coda'],
  [0xaad7aaea, 'PanFS'],
  [0x19830326, 'OCFS2'],
  [0x01161970, 'GFS2'],
  [0x786f4256, 'VirtualBox shared folder'],
]);

export interface SharedVerdict {
  shared: boolean;
  /** Why: the file system's name, or that an option said so. */
  because: string;
}

/** Whether the queue at `dir` may be used by other machines: `override` (an option) wins over detection. */
export function detectShared(dir: string, override?: boolean): SharedVerdict {
  if (override !== undefined) return { shared: override, because: `the shared option is ${override}` };
  let type: number;
  try {
    type = fs.statfsSync(dir).type;
  } catch {
    return { shared: false, because: 'statfs failed: taken for a local file system' };
  }
  const name = SHARED_FS_TYPES.get(type >>> 0);
  return name
    ? { shared: true, because: `${name} file system (statfs type 0x${(type >>> 0).toString(16)})` }
    : { shared: false, because: `local file system (statfs type 0x${(type >>> 0).toString(16)})` };
}
