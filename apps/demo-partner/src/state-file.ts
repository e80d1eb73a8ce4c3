import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { CctvPerson, Member } from "./types";

export interface PartnerState {
  version: 1;
  members: Member[];
  /** CCTV people per facility id. */
  cctv: Record<string, CctvPerson[]>;
}

/** Returns undefined when the file does not exist; throws on a file that is there but unreadable. */
export function readStateFile(file: string): PartnerState | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<PartnerState>;
  if (parsed?.version !== 1 || !Array.isArray(parsed.members)) {
    throw new Error(`demo-partner state file ${file} is not a version 1 state file`);
  }
  return { version: 1, members: parsed.members, cctv: parsed.cctv ?? {} };
}

/** Write-then-rename so a crash mid-write never leaves a half-written state file behind. */
export function writeStateFile(file: string, state: PartnerState): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temp, file);
}
