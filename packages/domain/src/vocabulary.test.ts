import { describe, expect, it } from "vitest";
import { FIELD_LABELS, fieldLabel } from "./vocabulary";
import { ADMIN_OWNED_FIELDS, SYNCED_DETAIL_FIELDS } from "./sync/ownership";

describe("field labels", () => {
  it("names every field sync can report as changed, and every admin-owned one, in the help page's words", () => {
    for (const field of [...SYNCED_DETAIL_FIELDS, ...ADMIN_OWNED_FIELDS, "removedAtSource"]) {
      expect(FIELD_LABELS[field], field).toBeDefined();
    }
    expect(fieldLabel("lastName")).toBe("Last name");
    expect(fieldLabel("syncedTags")).toBe("Synced tags");
    expect(fieldLabel("mobilePhone")).toBe("Mobile phone");
  });

  it("shows a field it does not know by its name", () => {
    expect(fieldLabel("somethingNew")).toBe("somethingNew");
  });
});
