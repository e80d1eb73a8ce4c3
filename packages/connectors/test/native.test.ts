import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONNECTORS, connectorFor } from "../src";
import { mindbodyConnector } from "../src/mindbody";
import { pushpressConnector } from "../src/pushpress";

const SRC = new URL("../src", import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

describe("the native connectors' registration and runtime", () => {
  it("are registered under their systems", () => {
    expect(connectorFor("mindbody")).toMatchObject({ system: "mindbody", fetchOne: mindbodyConnector.fetchOne });
    expect(connectorFor("pushpress")).toMatchObject({ system: "pushpress", fetchOne: pushpressConnector.fetchOne });
    expect(CONNECTORS.mindbody?.supportsDelta).toBe(true);
    expect(CONNECTORS.pushpress?.supportsDelta).toBe(false);
  });

  it("run in a Worker: no node: imports in their sources", () => {
    const offenders = ["mindbody", "pushpress", "native"]
      .flatMap((folder) => sources(join(SRC, folder)))
      .filter((file) => /from\s+["']node:|import\(\s*["']node:|require\(/.test(readFileSync(file, "utf8")));
    expect(offenders).toEqual([]);
  });

  it("validate the Connect dialog's credentials with field names", () => {
    const mb = mindbodyConnector.credentialsSchema.safeParse({
      apiKey: "k",
      siteId: -99,
      username: "owner",
      password: "",
    });
    expect(mb.success).toBe(false);
    expect(mb.error?.issues.map((issue) => issue.path.join("."))).toEqual(["password"]);
    expect(
      mindbodyConnector.credentialsSchema.parse({ apiKey: "k", siteId: -99, username: "u", password: "p" }).siteId,
    ).toBe("-99");
    const pp = pushpressConnector.credentialsSchema.safeParse({ apiKey: "k" });
    expect(pp.error?.issues.map((issue) => issue.path.join("."))).toEqual(["companyId"]);
  });
});
