/** The worker's internal entry (`@pacchettino/worker/internal`): pieces its tests drive directly. */
export { ChangeCoalescer } from './changeCoalescer';
export { guarded } from './errorReplies';
