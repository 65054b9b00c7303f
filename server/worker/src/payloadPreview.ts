import * as fs from 'node:fs';
import type { PayloadPreview } from '@pacchettino/shared';

/** Bytes of a payload read for a preview: a details page, not a viewer (file payloads open in their own editor). */
export const PREVIEW_BYTES = 16 * 1024;
/** Of those, bytes shown as hex when the payload is binary. */
const HEX_BYTES = 512;

/**
 * The head of a payload: text when it decodes as UTF-8 with no control bytes beyond
 * whitespace, else a hex dump. Undefined when it cannot be read (it moved meanwhile).
 */
export function payloadPreview(file: string): PayloadPreview | undefined {
  let head: Buffer;
  let total: number;
  try {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) return undefined; // a FIFO dropped in a state folder must not hang the worker
      total = st.size;
      const buf = Buffer.alloc(Math.min(PREVIEW_BYTES, st.size));
      const n = buf.length ? fs.readSync(fd, buf, 0, buf.length, 0) : 0;
      head = buf.subarray(0, n);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const text = asText(head, head.length < total);
  if (text !== undefined) return { kind: 'text', content: text, shown: head.length, size: total };
  const shown = head.subarray(0, HEX_BYTES);
  return { kind: 'binary', content: hexDump(shown), shown: shown.length, size: total };
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0e-\x1f\x7f]/;

function asText(buf: Buffer, truncated: boolean): string | undefined {
  // A head cut in the middle of a multi-byte character is still text: drop up to 3 bytes of it.
  for (let cut = 0; cut <= (truncated ? Math.min(3, buf.length) : 0); cut++) {
    try {
      const s = new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, buf.length - cut));
      return CONTROL.test(s) ? undefined : s;
    } catch {
      /* not UTF-8 at this cut */
    }
  }
  return undefined;
}

/** `00000000  68 65 6c 6c 6f 0a …  |hello.|`, 16 bytes a line. */
export function hexDump(buf: Buffer): string {
  const lines: string[] = [];
  for (let off = 0; off < buf.length; off += 16) {
    const row = buf.subarray(off, off + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  |${ascii}|`);
  }
  return lines.join('\n');
}
