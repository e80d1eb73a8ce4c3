import { describe, expect, it } from "vitest";
import { filtersFromQuery } from "./use-user-access-url";

describe("the User Access view read from its URL", () => {
  it("an empty URL is the default view", () => {
    expect(filtersFromQuery({})).toEqual({
      search: "",
      source: null,
      access: null,
      membershipStatus: null,
      personType: null,
      tag: null,
      invitation: null,
      sort: "name",
    });
  });

  it("reads every filter and the sort from their keys", () => {
    const filters = filtersFromQuery({
      q: "ada",
      access: "has_access",
      status: "Expired",
      type: "Member",
      tag: "VIP",
      invitation: "invited",
      sort: "last_synced",
    });
    expect(filters).toMatchObject({
      search: "ada",
      access: "has_access",
      membershipStatus: "Expired",
      personType: "Member",
      tag: "VIP",
      invitation: "invited",
      sort: "last_synced",
    });
  });

  it("a value the list does not know (a hand-edited or stale link) falls back to the default", () => {
    const filters = filtersFromQuery({ access: "everyone", sort: "shoe_size", invitation: "maybe", source: "fax" });
    expect(filters.access).toBeNull();
    expect(filters.invitation).toBeNull();
    expect(filters.source).toBeNull();
    expect(filters.sort).toBe("name");
  });

  it("a repeated key (an array in the query) is ignored rather than half-read", () => {
    expect(filtersFromQuery({ q: ["a", "b"] }).search).toBe("");
  });
});
