import { computed, type Ref } from "vue";
import { useInfiniteQuery, useQuery } from "@tanstack/vue-query";
import { trpc } from "../trpc";

export type ActivityOutcome = "added" | "updated" | "skipped" | "disabled" | "processed" | "failed";

export const OUTCOME_SEVERITY: Record<ActivityOutcome, "success" | "info" | "warn" | "danger" | "secondary"> = {
  added: "success",
  updated: "info",
  skipped: "warn",
  disabled: "danger",
  processed: "secondary",
  failed: "danger",
};

/** The facility's sync activity for a search and outcome filter, paged by keyset cursor. */
export function useActivity(
  facilityId: Ref<string>,
  search: Ref<string>,
  outcome: Ref<ActivityOutcome | null>,
  passRunning: Ref<boolean>,
) {
  return useInfiniteQuery({
    refetchInterval: computed(() => (passRunning.value ? 2000 : false)),
    queryKey: computed(() => ["activity", facilityId.value, search.value, outcome.value]),
    queryFn: ({ pageParam }) =>
      trpc.activity.list.query({
        facilityId: facilityId.value,
        search: search.value || undefined,
        outcome: outcome.value ?? undefined,
        cursor: pageParam,
        limit: 50,
      }),
    initialPageParam: null as number | null,
    getNextPageParam: (page) => page.nextCursor,
  });
}

export function useActivityEntry(facilityId: Ref<string>, entryId: Ref<number | null>) {
  return useQuery({
    queryKey: computed(() => ["activity-entry", facilityId.value, entryId.value]),
    queryFn: () => trpc.activity.get.query({ facilityId: facilityId.value, entryId: entryId.value! }),
    enabled: computed(() => entryId.value !== null),
  });
}
