import { describe, it, expect } from "vitest";
import { errorSummary } from "../src/log";

describe("errorSummary", () => {
  it("keeps the database's message and code but never the query text or its values", () => {
    const cause = Object.assign(new Error("SQLite error: UNIQUE constraint failed: access_user.id"), {
      code: "SQLITE_CONSTRAINT",
    });
    const error = new Error(
      "Failed query: insert into access_user values (?, ?)\nparams: ada@example.com,Ada Lovelace",
      { cause },
    );
    const summary = errorSummary(error);
    expect(summary).toContain("UNIQUE constraint failed");
    expect(summary).toContain("SQLITE_CONSTRAINT");
    expect(summary).not.toContain("ada@example.com");
    expect(summary).not.toContain("insert into");
  });
});
