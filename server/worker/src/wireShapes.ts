// The protocol (shared/) and the core each type a state's filter and sort: the core knows
// nothing of the wire, and the client nothing of the core. The worker passes one as the
// other, and TypeScript accepts a field that only one side has, so these fail to compile
// when the two drift apart instead.
import type { JobFilter, SortKey } from 'pacchettino';
import type { WireJobFilter, WireSortKey } from '@pacchettino/shared';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const filterFieldsAgree: Same<Required<WireJobFilter>, Required<JobFilter>> = true;
export const sortKeysAgree: Same<WireSortKey, SortKey> = true;
