import * as path from 'node:path';
import { PYTHON } from './install';
import type { System } from './system';

/** python-dirq's QueueSimple (Debian's python3-dirq), its steps in dirq_steps.py: a folder of hard-linked files. */
export const dirq: System = {
  key: 'dirq',
  label: 'python-dirq',
  // tsc does not copy dirq_steps.py: it stays beside this file's source.
  argv: [PYTHON, path.join(__dirname, '..', '..', 'peers', 'dirq_steps.py')],
  lacks: (op) => (op.op === 'send' && op.bulk ? 'no bulk add' : 'durable' in op && op.durable ? 'no fsync' : undefined),
};
