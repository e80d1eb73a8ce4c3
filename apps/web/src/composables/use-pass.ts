import { computed, ref, watch, type Ref } from "vue";
import { useMutation, useQuery, useQueryClient } from "@tanstack/vue-query";
import type { SyncSource } from "@uas/domain/sources";
import { trpc } from "../trpc";

type Source = SyncSource;

/** Sync now for one source: starts (or joins) a pass and follows it until it ends. */
export function usePass(facilityId: Ref<string>, source: Source, initialPassId: Ref<string | null>) {
  const queryClient = useQueryClient();
  const passId = ref<string | null>(initialPassId.value);
  watch(initialPassId, (id) => {
    if (id) passId.value = id;
  });

  const pass = useQuery({
    queryKey: computed(() => ["pass", facilityId.value, passId.value]),
    queryFn: () => trpc.passes.get.query({ facilityId: facilityId.value, passId: passId.value! }),
    enabled: computed(() => passId.value !== null),
    refetchInterval: (query) => (query.state.data?.state === "running" ? 1000 : false),
  });

  // The settings view is the one record of a source's last run (its block, its health line): whenever
  // the pass followed here starts or changes state, it is read again, so nothing says "Never run" or
  // "Last complete pass: never" beside "Sync complete".
  const refreshSettings = () => {
    void queryClient.invalidateQueries({ queryKey: ["sync-settings", facilityId.value] });
    void queryClient.invalidateQueries({ queryKey: ["activity", facilityId.value] });
  };
  watch(
    () => (pass.data.value ? `${pass.data.value.passId}|${pass.data.value.state}` : null),
    (current, previous) => {
      if (previous !== null && current !== previous) refreshSettings();
    },
  );

  const syncNow = useMutation({
    mutationFn: () => trpc.passes.syncNow.mutate({ facilityId: facilityId.value, source }),
    onSuccess: (result) => {
      passId.value = result.pass.passId;
      queryClient.setQueryData(["pass", facilityId.value, result.pass.passId], result.pass);
      refreshSettings();
    },
  });

  const resolveHeld = useMutation({
    mutationFn: (decision: "allow" | "reject") =>
      trpc.passes.resolveHeld.mutate({ facilityId: facilityId.value, passId: passId.value!, decision }),
    onSuccess: (view) => {
      queryClient.setQueryData(["pass", facilityId.value, view.passId], view);
      void queryClient.invalidateQueries({ queryKey: ["sync-settings", facilityId.value] });
      void queryClient.invalidateQueries({ queryKey: ["activity", facilityId.value] });
    },
  });

  return { pass, syncNow, resolveHeld };
}
