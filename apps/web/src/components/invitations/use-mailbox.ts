import { computed, type Ref } from "vue";
import { useQuery } from "@tanstack/vue-query";

export type MailboxEmail = {
  id: string;
  createdAt: string;
  from: string;
  to: string[];
  subject: string;
  html: string | null;
  text: string | null;
};

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } });
  const body = (await res.json().catch(() => ({}))) as T & { error?: { message?: string } };
  if (!res.ok) throw Object.assign(new Error(body.error?.message ?? `HTTP ${res.status}`), { status: res.status });
  return body;
}

/** Whether the Worker runs in development (APP_ENV=development) with the local mailbox: the page and link exist only then. */
export function useMailboxEnabled() {
  return useQuery({
    queryKey: ["mailbox", "status"],
    queryFn: () =>
      getJson<{ enabled: boolean }>("/api/dev/mailbox/status")
        .then((s) => s.enabled)
        .catch(() => false),
    staleTime: Infinity,
  });
}

/** The facility's captured emails, newest first, refreshed while the page is open. */
export function useMailbox(facilityId: Ref<string>) {
  return useQuery({
    queryKey: computed(() => ["mailbox", "emails", facilityId.value]),
    queryFn: () =>
      getJson<{ emails: MailboxEmail[] }>(
        `/api/dev/mailbox/facilities/${encodeURIComponent(facilityId.value)}/emails`,
      ).then((b) => b.emails),
    refetchInterval: 3000,
  });
}
