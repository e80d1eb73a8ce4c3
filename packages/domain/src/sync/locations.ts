/** The facilities a record belongs to, through the integration's location → facility map. */
export function resolveFacilities(locationIds: readonly string[], locationMap: ReadonlyMap<string, string>): string[] {
  const facilities = new Set<string>();
  for (const locationId of locationIds) {
    const facilityId = locationMap.get(locationId);
    if (facilityId !== undefined) facilities.add(facilityId);
  }
  return [...facilities];
}
