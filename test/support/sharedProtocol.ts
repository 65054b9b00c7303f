import * as path from 'node:path';
import type * as Protocol from '../../shared/src/protocol';

/**
 * The shared JSON-RPC protocol's values (request and notification types), loaded from its
 * compiled output. Tests compile to test/out/, one folder deeper than their sources, so no
 * relative import of shared/ is right both for tsc and at run time; types alone can be
 * imported directly (`import type ... from '../../shared/src/protocol'`), since they vanish.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const protocol: typeof Protocol = require(path.resolve(__dirname, '../../../shared/out/protocol'));
