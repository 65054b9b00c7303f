import type { Results } from './report';

/** The prose under the tables: how the bench works and what bounds the figures, with this run's numbers. */
export function notes(_r: Results): string {
  return '## Method notes\n\n(to be written)\n';
}
