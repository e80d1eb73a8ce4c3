import { computed, type Ref } from "vue";
import { useMutation, useQuery, useQueryClient } from "@tanstack/vue-query";
import { trpc } from "../trpc";

type Patch = Parameters<typeof trpc.syncSettings.update.mutate>[0]["patch"];

export function useSyncSettings(facilityId: Ref<string>) {
  const queryClient = useQueryClient();
  const queryKey = computed(() => ["sync-settings", facilityId.value]);
  const settings = useQuery({
    queryKey,
    queryFn: () => trpc.syncSettings.get.query({ facilityId: facilityId.value }),
  });
  const update = useMutation({
    mutationFn: (patch: Patch) => trpc.syncSettings.update.mutate({ facilityId: facilityId.value, patch }),
    onSuccess: (data) => queryClient.setQueryData(queryKey.value, data),
  });
  const setIntegration = useMutation({
    mutationFn: (input: { integrationId: string; enabled: boolean }) =>
      trpc.syncSettings.setIntegration.mutate({ facilityId: facilityId.value, ...input }),
    onSuccess: (data) => queryClient.setQueryData(queryKey.value, data),
  });
  return { settings, update, setIntegration };
}
