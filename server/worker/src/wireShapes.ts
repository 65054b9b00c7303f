// The protocol (shared/) and the core each type a state's filter and sort, and the throughput
// picture: the core knows
// nothing of the wire, and the client nothing of the core. The worker passes one as the
// other, and TypeScript accepts a field that only one side has, so these fail to compile
// when the two drift apart instead.
import type { JobFilter, SortKey, StatsBucket, StatsWindow } from 'pacchettino';
import type { StatsParams, WireJobFilter, WireSortKey, WireStatsBucket } from '@pacchettino/shared';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const filterFieldsAgree: Same<Required<WireJobFilter>, Required<JobFilter>> = true;
export const sortKeysAgree: Same<WireSortKey, SortKey> = true;
export const statsBucketsAgree: Same<Required<WireStatsBucket>, Required<StatsBucket>> = true;
export const statsWindowsAgree: Same<StatsParams['window'], StatsWindow> = true;
