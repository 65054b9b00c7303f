/**
 * The explicit internal entry (`pacchettino/internal`): single protocol steps and process
 * facts that the test suites drive directly. Not part of the public API; no semver promise.
 */
export { claim } from './claim';
export { Layout } from './layout';
export { dirMadeMs, pidExists, readProcStat } from './ownerLiveness';
