import { describe, expect, it } from "vitest";
import {
  SKIP_REASONS,
  SOURCE_KINDS,
  SOURCES,
  SYNC_SOURCES,
  fetchedPersonEvent,
  isMirrored,
  isSourceOn,
  isTargetMirrored,
  listingTargets,
  mirroredIntegrationIds,
  parseListingRecord,
  parseSenderKey,
  parseSourceEvent,
  senderKey,
  sourceBadge,
  sourceGates,
  sourceOffReason,
  sourceSwitchPatch,
  sourceTarget,
} from "../src";

describe("source kinds", () => {
  it("has one entry per sync source, and the manual source besides", () => {
    expect(Object.keys(SOURCE_KINDS).sort()).toEqual([...SYNC_SOURCES].sort());
    expect(SOURCES).toEqual(["manual", ...SYNC_SOURCES]);
  });

  it("words rule 1 as the help page does", () => {
    expect(sourceOffReason("integration")).toBe("Integration sync is turned off for this facility");
    expect(sourceOffReason("cctv")).toBe("CCTV/Computer Vision sync is turned off for this facility");
    expect(SKIP_REASONS.cctvSourceOff).toBe(sourceOffReason("cctv"));
  });

  it("badges a row: Manual, the fixed badge, or the integration's name", () => {
    expect(sourceBadge("manual", "Acme")).toBe("Manual");
    expect(sourceBadge("cctv", "Acme")).toBe("CCTV/Computer Vision");
    expect(sourceBadge("integration", "Acme")).toBe("Acme");
    expect(sourceBadge("integration", null)).toBe("Integration");
  });

  it("reads each kind's switch", () => {
    const settings = { integrationsEnabled: true, cctvEnabled: false };
    expect(isSourceOn(settings, "integration")).toBe(true);
    expect(isSourceOn(settings, "cctv")).toBe(false);
    expect(sourceSwitchPatch("cctv", true)).toEqual({ cctvEnabled: true });
  });
});

describe("sender keys", () => {
  it("builds and reads back each kind's key", () => {
    const integration = sourceTarget("integration", "int_1");
    const cctv = sourceTarget("cctv", "fac:with:colons");
    expect(integration).toEqual({ source: "integration", integrationId: "int_1" });
    expect(senderKey(integration)).toBe("integration:int_1");
    expect(senderKey(cctv)).toBe("cctv:fac:with:colons");
    expect(parseSenderKey(senderKey(integration))).toEqual(integration);
    expect(parseSenderKey(senderKey(cctv))).toEqual(cctv);
  });

  it("reads nothing from a key of no known kind or without an id", () => {
    for (const key of ["", "integration", "integration:", "manual:x", "other:x", ":x"])
      expect(parseSenderKey(key)).toBeNull();
  });
});

describe("is this integration mirrored?", () => {
  const choices = new Map([
    ["int_b", true],
    ["int_a", true],
    ["int_off", false],
  ]);

  it("only an integration turned on here is mirrored; one never mapped here is not (Sync settings shows it off)", () => {
    expect(isMirrored(choices, "int_a")).toBe(true);
    expect(isMirrored(choices, "int_off")).toBe(false);
    expect(isMirrored(choices, "int_never_mapped")).toBe(false);
    expect(mirroredIntegrationIds(choices)).toEqual(["int_a", "int_b"]);
  });

  it("gives rule 1 and 2 their inputs; a facility-scoped kind always mirrors its own sender", () => {
    const settings = { integrationsEnabled: true, cctvEnabled: true, integrationChoices: choices };
    expect(sourceGates(settings, "integration", "int_off")).toEqual({ sourceEnabled: true, integrationEnabled: false });
    expect(sourceGates(settings, "integration", "int_unknown").integrationEnabled).toBe(false);
    expect(sourceGates(settings, "cctv", null)).toEqual({ sourceEnabled: true, integrationEnabled: true });
    expect(isTargetMirrored(choices, sourceTarget("cctv", "fac_1"))).toBe(true);
    expect(isTargetMirrored(choices, sourceTarget("integration", "int_off"))).toBe(false);
  });

  it("lists a pass's targets: each mirrored integration, or the facility's own source", () => {
    expect(listingTargets("integration", "fac_1", choices)).toEqual([
      { source: "integration", integrationId: "int_a" },
      { source: "integration", integrationId: "int_b" },
    ]);
    expect(listingTargets("cctv", "fac_1", choices)).toEqual([{ source: "cctv", facilityId: "fac_1" }]);
  });
});

describe("each kind's contract", () => {
  const at = "2026-11-24T09:00:00Z";

  it("wraps a fetched person as the kind's upsert event, and a 404 as its removal", () => {
    const member = { external_id: "M-1", updated_at: at, location_ids: ["loc-1"] };
    expect(
      fetchedPersonEvent({ source: "integration", externalId: "M-1", record: member, now: 0, locationIds: [] }),
    ).toEqual({ type: "member.upserted", data: member });
    const removal = fetchedPersonEvent({
      source: "integration",
      externalId: "M-1",
      record: null,
      now: Date.parse(at),
      locationIds: ["loc-1"],
    });
    expect(removal).toEqual({
      type: "member.removed",
      data: { external_id: "M-1", location_ids: ["loc-1"], updated_at: "2026-11-24T09:00:00.000Z" },
    });
    const cctvRemoval = fetchedPersonEvent({
      source: "cctv",
      externalId: "cv-1",
      record: null,
      now: Date.parse(at),
      locationIds: ["x"],
    });
    expect(cctvRemoval).toEqual({
      type: "person.removed",
      data: { person_id: "cv-1", updated_at: "2026-11-24T09:00:00.000Z" },
    });
    for (const source of SYNC_SOURCES) {
      const event = fetchedPersonEvent({ source, externalId: "p-1", record: null, now: 0, locationIds: [] });
      const parsed = parseSourceEvent(source, event);
      expect(parsed.ok && parsed.change.kind).toBe("removal");
    }
  });

  it("reads each kind's listing item by its own id field", () => {
    const member = parseListingRecord("integration", { external_id: "M-1", updated_at: at });
    const person = parseListingRecord("cctv", { person_id: "cv-1", updated_at: at });
    expect(member.ok && member.person.externalId).toBe("M-1");
    expect(person.ok && person.person.externalId).toBe("cv-1");
    const wrong = parseListingRecord("cctv", { external_id: "M-1", updated_at: at });
    expect(wrong.ok).toBe(false);
  });
});
