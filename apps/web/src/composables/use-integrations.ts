import { computed, type Ref } from "vue";
import { useMutation, useQuery, useQueryClient } from "@tanstack/vue-query";
import { trpc } from "../trpc";
import type { SystemChoice } from "../components/integrations/systems";

export type IntegrationsPage = Awaited<ReturnType<typeof trpc.integrations.list.query>>;
export type IntegrationView = IntegrationsPage["integrations"][number];
export type LocationEntry = { locationId: string; facilityId: string };
export type IntegrationForm = {
  name: string;
  /** "partner-api" (today's contract) or a native system. */
  system: SystemChoice;
  baseUrl: string;
  apiKey: string;
  /** A native system's credential fields, by the connector's names. */
  credentials: Record<string, string>;
  locations: LocationEntry[];
};
export type ConnectionTarget = Parameters<typeof trpc.integrations.testConnection.mutate>[0]["target"];
export type ConnectInput = Omit<Parameters<typeof trpc.integrations.connect.mutate>[0], "organisationId">;
export type UpdateInput = Omit<Parameters<typeof trpc.integrations.update.mutate>[0], "organisationId">;

/** The organisations the signed-in admin owns: only owners see and manage Integrations. */
export function useOwnedOrganisations() {
  return useQuery({
    queryKey: ["owned-organisations"],
    queryFn: () => trpc.integrations.organisations.query(),
    staleTime: 60_000,
  });
}

export function useIntegrations(organisationId: Ref<string>) {
  const queryClient = useQueryClient();
  const queryKey = computed(() => ["integrations", organisationId.value]);
  const list = useQuery({
    queryKey,
    queryFn: () => trpc.integrations.list.query({ organisationId: organisationId.value }),
  });
  // Every write answers with the whole page; the users' source filter may list a new integration too.
  const stored = (page: IntegrationsPage) => {
    queryClient.setQueryData(queryKey.value, page);
    void queryClient.invalidateQueries({ queryKey: ["users"] });
    void queryClient.invalidateQueries({ queryKey: ["sync-settings"] });
  };
  const org = () => ({ organisationId: organisationId.value });
  const connect = useMutation({
    mutationFn: (input: ConnectInput) => trpc.integrations.connect.mutate({ ...org(), ...input }),
    onSuccess: stored,
  });
  const update = useMutation({
    mutationFn: (input: UpdateInput) => trpc.integrations.update.mutate({ ...org(), ...input }),
    onSuccess: stored,
  });
  const rotate = useMutation({
    mutationFn: (integrationId: string) => trpc.integrations.rotateSecret.mutate({ ...org(), integrationId }),
    onSuccess: stored,
  });
  const disconnect = useMutation({
    mutationFn: (integrationId: string) => trpc.integrations.disconnect.mutate({ ...org(), integrationId }),
    onSuccess: stored,
  });
  const testConnection = useMutation({
    mutationFn: (target: ConnectionTarget) => trpc.integrations.testConnection.mutate({ ...org(), target }),
  });
  const systemLocations = useMutation({
    mutationFn: (target: ConnectionTarget) => trpc.integrations.systemLocations.mutate({ ...org(), target }),
  });
  const setUpWebhooks = useMutation({
    mutationFn: (integrationId: string) => trpc.integrations.setUpWebhooks.mutate({ ...org(), integrationId }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: queryKey.value }),
  });
  return { list, connect, update, rotate, disconnect, testConnection, systemLocations, setUpWebhooks };
}
