import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Member, PartnerState } from "../src/index";
import { get, start } from "./helpers";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempStateFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "demo-partner-"));
  dirs.push(dir);
  return join(dir, "nested", "state.json");
}

const readState = (file: string): PartnerState => JSON.parse(readFileSync(file, "utf8")) as PartnerState;

describe("state file", () => {
  it("is written on first start, updated after mutations, and reloaded on restart", async () => {
    const stateFile = tempStateFile();
    const first = await start({ stateFile, memberCount: 50, seed: 1, cctvFacilityIds: ["fac-1"] });
    expect(existsSync(stateFile)).toBe(true);
    expect(readState(stateFile).members).toEqual(first.store.list());
    expect(readState(stateFile).cctv["fac-1"]).toHaveLength(36);

    const changed: Member = {
      ...(first.store.get("M-1010") as Member),
      first_name: "Renamed",
      updated_at: "2026-11-24T10:00:00Z",
    };
    first.store.upsert(changed);
    first.store.remove("M-1020");
    const cctvRemoved = first.cctv.get("fac-1")?.list()[0]?.person_id as string;
    first.cctv.get("fac-1")?.remove(cctvRemoved);
    expect(readState(stateFile).members).toHaveLength(49);
    const expected = first.store.list();
    await first.close();

    // Different seed and count: the file wins.
    const second = await start({ stateFile, memberCount: 10, seed: 99, cctvFacilityIds: ["fac-1", "fac-2"] });
    expect(second.store.list()).toEqual(expected);
    expect(second.store.get("M-1010")?.first_name).toBe("Renamed");
    expect((await get(`${second.url}/members/M-1020`)).status).toBe(404);
    expect(second.cctv.get("fac-1")?.get(cctvRemoved)).toBeUndefined();
    expect(second.cctv.get("fac-1")?.size).toBe(35);
    // A newly configured facility is generated and added to the file.
    expect(readState(stateFile).cctv["fac-2"]).toHaveLength(36);
  });

  it("rejects a file that is not a state file", async () => {
    const stateFile = tempStateFile();
    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(join(stateFile, ".."), { recursive: true });
    writeFileSync(stateFile, '{"hello": 1}');
    await expect(start({ stateFile })).rejects.toThrow(/not a version 1 state file/);
  });
});
