import type { Ref } from "vue";
import { TRPCClientError } from "@trpc/client";
import { useMutation, useQueryClient } from "@tanstack/vue-query";
import { trpc } from "../../trpc";

export type BulkDeleteScope = Parameters<typeof trpc.bulkDelete.preview.query>[0]["scope"];
export type BulkDeletePreview = Awaited<ReturnType<typeof trpc.bulkDelete.preview.query>>;

export const STALE_PREVIEW_MESSAGE = "The users changed since the preview. Run the preview again.";

/** The confirm was refused because the set is no longer the one previewed. */
export function isStalePreview(error: unknown): boolean {
  return error instanceof TRPCClientError && error.data?.code === "CONFLICT";
}

/** Preview and confirm of the bulk delete wizard. Both are on demand, so both are mutations. */
export function useBulkDelete(facilityId: Ref<string>) {
  const queryClient = useQueryClient();
  const preview = useMutation({
    mutationFn: (scope: BulkDeleteScope) => trpc.bulkDelete.preview.query({ facilityId: facilityId.value, scope }),
  });
  const confirm = useMutation({
    mutationFn: (input: { scope: BulkDeleteScope; token: string; alsoTurnOff: boolean }) =>
      trpc.bulkDelete.confirm.mutate({ facilityId: facilityId.value, ...input }),
    // Users, settings (the turn-off) and every list that shows them are now out of date.
    onSuccess: () => queryClient.invalidateQueries(),
  });
  return { preview, confirm };
}
