import { computed, ref, type Ref } from "vue";
import { useMe } from "./use-me";

const LAST_FACILITY = "uas:last-facility";
// Reactive, so choosing a facility on an organisation page moves the nav's facility tabs at once.
const lastFacility = ref<string | null>(sessionStorage.getItem(LAST_FACILITY));

/** Remembered per browser tab, so the organisation-level pages can link back to the facility in use. */
export function rememberFacility(facilityId: string) {
  sessionStorage.setItem(LAST_FACILITY, facilityId);
  lastFacility.value = facilityId;
}

/**
 * The facility the nav points at: the page's own, else the one last visited in this organisation,
 * else the organisation's first granted facility.
 */
export function useCurrentFacility(facilityId: Ref<string | null>, organisationId: Ref<string | null>) {
  const me = useMe();
  const facilities = computed(() => me.data.value?.facilities ?? []);
  const facility = computed(() => {
    const list = facilities.value;
    if (facilityId.value) return list.find((f) => f.id === facilityId.value) ?? null;
    const inOrg = list.filter((f) => f.organisationId === organisationId.value);
    return inOrg.find((f) => f.id === lastFacility.value) ?? inOrg[0] ?? null;
  });
  return { me, facilities, facility };
}
