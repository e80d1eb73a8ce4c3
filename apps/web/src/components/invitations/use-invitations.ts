import { computed, type Ref } from "vue";
import { useMutation, useQuery, useQueryClient } from "@tanstack/vue-query";
import { trpc } from "../../trpc";

export type InvitationAudience = Parameters<typeof trpc.invitations.preview.query>[0]["audience"];
export type InvitationPreview = Awaited<ReturnType<typeof trpc.invitations.preview.query>>;
export type InvitationProgress = Awaited<ReturnType<typeof trpc.invitations.progress.query>>;

/** The dialog's preview: refetched whenever the audience or Re-send changes. */
export function useInvitationPreview(
  facilityId: Ref<string>,
  audience: Ref<InvitationAudience | null>,
  resend: Ref<boolean>,
  enabled: Ref<boolean>,
) {
  return useQuery({
    queryKey: computed(() => ["invitations", "preview", facilityId.value, audience.value, resend.value]),
    queryFn: () =>
      trpc.invitations.preview.query({ facilityId: facilityId.value, audience: audience.value!, resend: resend.value }),
    enabled: computed(() => enabled.value && audience.value !== null),
    // Counts change as sync and other admins work; an open dialog shows the current ones.
    staleTime: 0,
  });
}

export function useSendInvitations(facilityId: Ref<string>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { audience: InvitationAudience; resend: boolean }) =>
      trpc.invitations.send.mutate({ facilityId: facilityId.value, ...input }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["users"] }),
  });
}

/** Polls the batch while anything in it is still queued, then stops. */
export function useInvitationProgress(facilityId: Ref<string>, batchId: Ref<string | null>) {
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: computed(() => ["invitations", "progress", facilityId.value, batchId.value]),
    queryFn: async () => {
      const progress = await trpc.invitations.progress.query({ facilityId: facilityId.value, batchId: batchId.value! });
      // The list's and the panel's invitation badges move with the batch.
      if (progress.done) void queryClient.invalidateQueries({ queryKey: ["users"] });
      return progress;
    },
    enabled: computed(() => batchId.value !== null),
    refetchInterval: (query) => (query.state.data?.done ? false : 1000),
  });
}
