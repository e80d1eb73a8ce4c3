import { computed, type Ref } from "vue";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/vue-query";
import { trpc } from "../trpc";

type ListInput = Parameters<typeof trpc.users.list.query>[0];
export type UserListRow = Awaited<ReturnType<typeof trpc.users.list.query>>["rows"][number];
export type UserView = Awaited<ReturnType<typeof trpc.users.get.query>>;
export type UserPatch = Parameters<typeof trpc.users.update.mutate>[0]["patch"];
export type NewManualUser = Omit<Parameters<typeof trpc.users.create.mutate>[0], "facilityId">;
export type ImportPreview = Awaited<ReturnType<typeof trpc.users.import.preview.mutate>>;

/** The list's filters and sort as the page holds them (and the URL carries): null is the chip's "Any…". */
export type UserFilters = {
  search: string;
  source: NonNullable<ListInput["source"]> | null;
  access: NonNullable<ListInput["access"]> | null;
  membershipStatus: string | null;
  personType: string | null;
  tag: string | null;
  invitation: NonNullable<ListInput["invitation"]> | null;
  sort: NonNullable<ListInput["sort"]>;
};
export type UserPage = { offset: number; limit: number };

const keys = {
  all: (facilityId: string) => ["users", facilityId] as const,
  list: (facilityId: string) => ["users", facilityId, "list"] as const,
  detail: (facilityId: string, userId: string) => ["users", facilityId, "detail", userId] as const,
};

/** One page of the User Access list; the previous page stays on screen while the next one loads. */
export function useUserList(facilityId: Ref<string>, filters: Ref<UserFilters>, page: Ref<UserPage>) {
  const input = computed<ListInput>(() => ({
    facilityId: facilityId.value,
    search: filters.value.search.trim() || undefined,
    source: filters.value.source ?? undefined,
    access: filters.value.access ?? undefined,
    membershipStatus: filters.value.membershipStatus ?? undefined,
    personType: filters.value.personType ?? undefined,
    tag: filters.value.tag ?? undefined,
    invitation: filters.value.invitation ?? undefined,
    sort: filters.value.sort,
    offset: page.value.offset,
    limit: page.value.limit,
  }));
  return useQuery({
    queryKey: computed(() => [...keys.list(facilityId.value), input.value]),
    queryFn: () => trpc.users.list.query(input.value),
    placeholderData: keepPreviousData,
  });
}

/** The integrations a facility can list users by ("Send invitations…"'s source choice). */
export function useUserSources(facilityId: Ref<string>) {
  return useQuery({
    queryKey: computed(() => [...keys.all(facilityId.value), "sources"]),
    queryFn: () => trpc.users.sources.query({ facilityId: facilityId.value }),
    staleTime: 60_000,
  });
}

/** The stat tiles: All users, Has access, No access (refetched with the list after every write). */
export function useUserTiles(facilityId: Ref<string>) {
  return useQuery({
    queryKey: computed(() => [...keys.list(facilityId.value), "tiles"]),
    queryFn: () => trpc.users.tiles.query({ facilityId: facilityId.value }),
  });
}

/** The Membership status, Person type and Tag chips' options: what the facility's data holds. */
export function useUserFilterOptions(facilityId: Ref<string>) {
  return useQuery({
    queryKey: computed(() => [...keys.list(facilityId.value), "filter-options"]),
    queryFn: () => trpc.users.filterOptions.query({ facilityId: facilityId.value }),
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
  const sendInvitation = useMutation({
    mutationFn: (userId: string) => trpc.users.sendInvitation.mutate({ facilityId: facilityId.value, userId }),
    onSuccess: stored,
  });
  return { create, update, addGrant, removeGrant, sendInvitation };
}

/** "Import (CSV)": the preview, then the confirm of exactly that preview. */
export function useUserImport(facilityId: Ref<string>) {
  const queryClient = useQueryClient();
  const preview = useMutation({
    mutationFn: (csv: string) => trpc.users.import.preview.mutate({ facilityId: facilityId.value, csv }),
  });
  const confirm = useMutation({
    mutationFn: (input: { csv: string; fingerprint: string }) =>
      trpc.users.import.confirm.mutate({ facilityId: facilityId.value, ...input }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.list(facilityId.value) }),
  });
  return { preview, confirm };
}
