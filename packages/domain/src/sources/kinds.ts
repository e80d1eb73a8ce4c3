/**
 * The kinds of source people are synced from (ADR 0016): one entry each. Everything that differs between
 * kinds outside `packages/connectors` is read from here, so no other file compares a source with a literal.
 * This file is free of zod and I/O: the admin app imports it for labels and badges.
 */

/** The kinds of sync source. Adding one: its id here, its entry in `SOURCE_KINDS` and `SOURCE_CONTRACTS`. */
export const SYNC_SOURCES = ["integration", "cctv"] as const;
export type SyncSource = (typeof SYNC_SOURCES)[number];

/** Every source a User Access row can have: typed in by an admin, or synced from a kind above. */
export const MANUAL_SOURCE = "manual";
export const SOURCES = [MANUAL_SOURCE, ...SYNC_SOURCES] as const;
export type Source = (typeof SOURCES)[number];

/** The facility's on/off switch for a kind, a column of `sync_settings`. */
export type SourceSwitch = "integrationsEnabled" | "cctvEnabled";

export type SourceKind = {
  id: SyncSource;
  /** The kind's block heading in Sync settings. */
  label: string;
  /** The badge of a row from this kind; null: the connected integration's display name. */
  badge: string | null;
  /** How the activity detail names the kind. */
  detailLabel: string;
  /** What a missing sender is called in a "not found" error. */
  notFoundName: string;
  /** Rule 1's skip reason when the facility has the kind off. */
  offReason: string;
  /** The facility's switch for the kind. */
  switch: SourceSwitch;
  /**
   * Who sends a kind's records and webhooks: one connected integration per organisation, opted in per
   * facility under "Sync from these integrations" ("integration"), or one per facility, which is named in
   * the endpoint's path and mirrors only itself ("facility").
   */
  senderScope: "integration" | "facility";
  /**
   * How a record finds its facilities: through the integration's location → facility map ("locations"), or
   * the facility is the sender's ("sender").
   */
  facilityFrom: "locations" | "sender";
  /** The contract's event types (partner-contract.md §1), for wrapping a fetched record as an event. */
  events: { upsert: string; removal: string };
  /** The record's id field in the contract. */
  idField: string;
  /** The connector (`packages/connectors`) a source of this kind speaks unless it names another. */
  defaultSystem: string;
};

/** Badge of a manual row. */
export const MANUAL_BADGE = "Manual";
export const CCTV_BADGE = "CCTV/Computer Vision";

export const SOURCE_KINDS = {
  integration: {
    id: "integration",
    label: "Integrations",
    badge: null,
    detailLabel: "Integration",
    notFoundName: "Integration",
    offReason: "Integration sync is turned off for this facility",
    switch: "integrationsEnabled",
    senderScope: "integration",
    facilityFrom: "locations",
    events: { upsert: "member.upserted", removal: "member.removed" },
    idField: "external_id",
    defaultSystem: "partner-api",
  },
  cctv: {
    id: "cctv",
    label: "Performance Hub features (CCTV/Computer Vision)",
    badge: CCTV_BADGE,
    detailLabel: CCTV_BADGE,
    notFoundName: "CCTV/Computer Vision source",
    offReason: "CCTV/Computer Vision sync is turned off for this facility",
    switch: "cctvEnabled",
    senderScope: "facility",
    facilityFrom: "sender",
    events: { upsert: "person.identified", removal: "person.removed" },
    idField: "person_id",
    defaultSystem: "cctv",
  },
} as const satisfies { [K in SyncSource]: SourceKind & { id: K } };

export function sourceKind(source: SyncSource): SourceKind {
  return SOURCE_KINDS[source];
}

export function isSyncSource(value: string): value is SyncSource {
  return (SYNC_SOURCES as readonly string[]).includes(value);
}

export function isManualSource(source: Source): source is typeof MANUAL_SOURCE {
  return source === MANUAL_SOURCE;
}

/** Sources whose senders are connected integrations (opted in per facility); never "manual". */
export function isIntegrationScoped(source: Source): boolean {
  return isSyncSource(source) && SOURCE_KINDS[source].senderScope === "integration";
}

/** The kinds whose senders are connected integrations: today one, "integration". */
export const INTEGRATION_SOURCES = SYNC_SOURCES.filter(isIntegrationScoped);
/** The kind(s) sent per facility. */
export const FACILITY_SOURCES = SYNC_SOURCES.filter((s) => !isIntegrationScoped(s));

/** The kind of source an integration connection is (today every connected integration is one). */
export const INTEGRATION_SOURCE = SYNC_SOURCES.find(isIntegrationScoped) as "integration";

/** The badge a row shows: "Manual", the kind's fixed badge, or the integration's name. */
export function sourceBadge(source: Source, integrationName: string | null): string {
  if (isManualSource(source)) return MANUAL_BADGE;
  return SOURCE_KINDS[source].badge ?? integrationName ?? SOURCE_KINDS[source].detailLabel;
}

/** Sync settings' heading for each kind (kept under its old name). */
export const SOURCE_LABELS = Object.fromEntries(SYNC_SOURCES.map((s) => [s, SOURCE_KINDS[s].label])) as Record<
  SyncSource,
  string
>;

/** Whether a facility has the kind switched on. */
export function isSourceOn(settings: Record<SourceSwitch, boolean>, source: SyncSource): boolean {
  return settings[SOURCE_KINDS[source].switch];
}

/** The settings patch that turns a kind on or off. */
export function sourceSwitchPatch(source: SyncSource, enabled: boolean): Partial<Record<SourceSwitch, boolean>> {
  return { [SOURCE_KINDS[source].switch]: enabled };
}

/** The kinds a facility has switched on, in registry order. */
export function sourcesOn(settings: Record<SourceSwitch, boolean>): SyncSource[] {
  return SYNC_SOURCES.filter((source) => isSourceOn(settings, source));
}
