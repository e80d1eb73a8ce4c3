/**
 * Profiles one generation of the engine bench's passes, in the bench's Worker-sized heap:
 *   cd packages/db && node --import tsx --max-old-space-size=128 bench/engine-profile.ts [first|unchanged|changed] [members]
 * Runs the passes before it unprofiled, prints each pass's wall and CPU (user/system) time, writes
 * /tmp/engine-<generation>.cpuprofile and prints the functions with the most self and total time.
 * Any other generation name (e.g. `none`) runs all three passes without profiling.
 */
import { Session } from "node:inspector/promises";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runFullPass, startPass } from "../src";
import { generatedListing, type Generation } from "./fixtures";
import { openBenchDb, seedFacility } from "@uas/db/bench";

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };

async function main() {
  const target = (process.argv[2] ?? "unchanged") as Generation;
  const size = Number(process.argv[3] ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), "uas-prof-"));
  const session = new Session();
  session.connect();
  try {
    const { db } = await openBenchDb(dir);
    const { facility } = await seedFacility(db);
    for (const generation of ["first", "unchanged", "changed"] as const) {
      const profiling = generation === target;
      if (profiling) {
        await session.post("Profiler.enable");
        await session.post("Profiler.setSamplingInterval", { interval: 200 });
        await session.post("Profiler.start");
      }
      const started = performance.now();
      const cpu = process.cpuUsage();
      const { pass } = await startPass({
        db,
        facilityId: facility.id,
        source: "integration",
        trigger: "manual",
        now: Date.now(),
      });
      await runFullPass({
        db,
        passId: pass.id,
        listingFor: () => generatedListing(size, generation),
        now: () => Date.now(),
        maxPages: 1000,
      });
      const used = process.cpuUsage(cpu);
      console.log(
        generation,
        ((performance.now() - started) / 1000).toFixed(2),
        "s, cpu",
        ((used.user + used.system) / 1e6).toFixed(2),
        "user",
        (used.user / 1e6).toFixed(2),
        "sys",
        (used.system / 1e6).toFixed(2),
      );
      if (profiling) {
        const { profile } = (await session.post("Profiler.stop")) as unknown as {
          profile: { nodes: Node[]; samples: number[]; timeDeltas: number[] };
        };
        writeFileSync(`/tmp/engine-${generation}.cpuprofile`, JSON.stringify(profile));
        report(profile);
        break;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(profile: { nodes: Node[]; samples: number[]; timeDeltas: number[] }) {
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: Node) =>
    `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").slice(-2).join("/")}:${n.callFrame.lineNumber + 1}`;
  const selfBy = new Map<string, number>();
  const totalBy = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byId.get(id) as Node;
    selfBy.set(key(n), (selfBy.get(key(n)) ?? 0) + t);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = key(byId.get(cur) as Node);
      if (seen.has(k)) continue;
      seen.add(k);
      totalBy.set(k, (totalBy.get(k) ?? 0) + t);
    }
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, t]) => `${(t / 1000).toFixed(0).padStart(7)} ms  ${k}`)
      .join("\n");
  console.log(`SELF\n${top(selfBy, 40)}`);
  console.log(`TOTAL\n${top(totalBy, 60)}`);
}

await main();
