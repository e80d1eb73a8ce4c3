import { computed, type Ref } from "vue";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/vue-query";
import { trpc } from "../trpc";

type ListInput = Parameters<typeof trpc.users.list.query>[0];
export type UserListRow = Awaited<ReturnType<typeof trpc.users.list.query>>["rows"][number];
export type UserView = Awaited<ReturnType<typeof trpc.users.get.query>>;
export type UserPatch = Parameters<typeof trpc.users.update.mutate>[0]["patch"];
export type NewManualUser = Omit<Parameters<typeof trpc.users.create.mutate>[0], "facilityId">;
export type UserState = NonNullable<ListInput["state"]>;

/** The list's filters as the page holds them; `source` is "manual", "cctv", "integration" or "integration:<id>". */
export type UserFilters = { search: string; source: string | null; state: UserState | null };
export type UserPage = { offset: number; limit: number };

const keys = {
  all: (facilityId: string) => ["users", facilityId] as const,
  list: (facilityId: string) => ["users", facilityId, "list"] as const,
  detail: (facilityId: string, userId: string) => ["users", facilityId, "detail", userId] as const,
};

function sourceFilter(source: string | null): Pick<ListInput, "source" | "integrationId"> {
  if (!source) return {};
  if (source.startsWith("integration:")) return { source: "integration", integrationId: source.slice("integration:".length) };
  return { source: source as ListInput["source"] };
}

/** One page of the User Access list; the previous page stays on screen while the next one loads. */
export function useUserList(facilityId: Ref<string>, filters: Ref<UserFilters>, page: Ref<UserPage>) {
  const input = computed<ListInput>(() => ({
    facilityId: facilityId.value,
    search: filters.value.search.trim() || undefined,
    ...sourceFilter(filters.value.source),
    state: filters.value.state ?? undefined,
    offset: page.value.offset,
    limit: page.value.limit,
  }));
  return useQuery({
    queryKey: computed(() => [...keys.list(facilityId.value), input.value]),
    queryFn: () => trpc.users.list.query(input.value),
    placeholderData: keepPreviousData,
  });
}

/** The integrations a facility can list users by (the source filter's options). */
export function useUserSources(facilityId: Ref<string>) {
  return useQuery({
    queryKey: computed(() => [...keys.all(facilityId.value), "sources"]),
    queryFn: () => trpc.users.sources.query({ facilityId: facilityId.value }),
    staleTime: 60_000,
  });
}

export function useUser(facilityId: Ref<string>, userId: Ref<string | null>) {
  return useQuery({
    queryKey: computed(() => keys.detail(facilityId.value, userId.value ?? "")),
    queryFn: () => trpc.users.get.query({ facilityId: facilityId.value, userId: userId.value! }),
    enabled: computed(() => userId.value !== null),
  });
}

/** Every write answers with the whole user view: it replaces the panel's copy, and the list refetches. */
export function useUserMutations(facilityId: Ref<string>) {
  const queryClient = useQueryClient();
  const stored = (view: UserView) => {
    queryClient.setQueryData(keys.detail(facilityId.value, view.id), view);
    void queryClient.invalidateQueries({ queryKey: keys.list(facilityId.value) });
  };
  const create = useMutation({
    mutationFn: (input: NewManualUser) => trpc.users.create.mutate({ facilityId: facilityId.value, ...input }),
    onSuccess: stored,
  });
  const update = useMutation({
    mutationFn: (input: { userId: string; patch: UserPatch }) =>
      trpc.users.update.mutate({ facilityId: facilityId.value, ...input }),
    onSuccess: stored,
  });
  const addGrant = useMutation({
    mutationFn: (input: { userId: string; name: string }) =>
      trpc.users.grants.add.mutate({ facilityId: facilityId.value, ...input }),
    onSuccess: stored,
  });
  const removeGrant = useMutation({
    mutationFn: (input: { userId: string; grantId: string }) =>
      trpc.users.grants.remove.mutate({ facilityId: facilityId.value, ...input }),
    onSuccess: stored,
  });
  return { create, update, addGrant, removeGrant };
}
