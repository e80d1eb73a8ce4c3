import { computed } from "vue";
import { useRoute, useRouter, type LocationQuery } from "vue-router";
import { SOURCES } from "@uas/domain/vocabulary";
import { ACCESS_FILTERS, INVITATION_FILTERS, USER_SORTS } from "@uas/domain/user-list";
import type { UserFilters } from "./use-users";

/**
 * The User Access list's filters, sort and page live in the URL (`?access=has_access&sort=last_synced`),
 * so a view can be shared and survives a reload. The URL is the one source of truth: the page reads
 * it, and every change is a `router.replace` (no history entry per chip).
 */
const KEYS = {
  search: "q",
  source: "source",
  access: "access",
  membershipStatus: "status",
  personType: "type",
  tag: "tag",
  invitation: "invitation",
  sort: "sort",
} as const satisfies Record<keyof UserFilters, string>;

function text(query: LocationQuery, key: string): string | null {
  const value = query[key];
  return typeof value === "string" && value !== "" ? value : null;
}

function oneOf<T extends string>(values: readonly T[], value: string | null): T | null {
  return value !== null && (values as readonly string[]).includes(value) ? (value as T) : null;
}

export function filtersFromQuery(query: LocationQuery): UserFilters {
  return {
    search: text(query, KEYS.search) ?? "",
    source: oneOf(SOURCES, text(query, KEYS.source)),
    access: oneOf(ACCESS_FILTERS, text(query, KEYS.access)),
    membershipStatus: text(query, KEYS.membershipStatus),
    personType: text(query, KEYS.personType),
    tag: text(query, KEYS.tag),
    invitation: oneOf(INVITATION_FILTERS, text(query, KEYS.invitation)),
    sort: oneOf(USER_SORTS, text(query, KEYS.sort)) ?? "name",
  };
}

const PAGE_SIZES = [25, 50, 100];

export function useUserAccessUrl() {
  const route = useRoute();
  const router = useRouter();
  const filters = computed(() => filtersFromQuery(route.query));
  const page = computed(() => {
    const limit = Number(text(route.query, "limit") ?? 25);
    const offset = Number(text(route.query, "offset") ?? 0);
    return {
      limit: PAGE_SIZES.includes(limit) ? limit : 25,
      offset: Number.isInteger(offset) && offset >= 0 ? offset : 0,
    };
  });

  function replace(patch: Record<string, string | null>) {
    const query: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...route.query, ...patch })) {
      if (typeof value === "string" && value !== "") query[key] = value;
    }
    void router.replace({ query });
  }

  /** Any filter change starts again from the first page; defaults leave the URL. */
  function setFilters(patch: Partial<UserFilters>) {
    const next = { ...filters.value, ...patch };
    const entries = Object.entries(KEYS).map(([field, key]) => {
      const value = next[field as keyof UserFilters];
      const isDefault = value === null || value === "" || (field === "sort" && value === "name");
      return [key, isDefault ? null : String(value)];
    });
    replace({ ...Object.fromEntries(entries), offset: null });
  }

  function setPage(next: { offset: number; limit: number }) {
    replace({
      offset: next.offset > 0 ? String(next.offset) : null,
      limit: next.limit !== 25 ? String(next.limit) : null,
    });
  }

  function clearFilters() {
    setFilters({
      search: "",
      source: null,
      access: null,
      membershipStatus: null,
      personType: null,
      tag: null,
      invitation: null,
    });
  }

  return { filters, page, setFilters, setPage, clearFilters, replace };
}
