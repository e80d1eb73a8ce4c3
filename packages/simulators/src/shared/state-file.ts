import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Undefined when the file does not exist; throws on a file that is there but not this simulator's state. */
export function readState<T>(file: string, kind: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as { kind?: unknown; version?: unknown; state?: T };
  if (parsed.kind !== kind || parsed.version !== 1 || parsed.state === undefined) {
    throw new Error(`${file} is not a version 1 ${kind} simulator state file`);
  }
  return parsed.state;
}

/**
 * Writes the state after a burst of changes settles (a 100,000-person state is tens of MB: once per
 * change would be too slow), write-then-rename so a crash never leaves half a file. `flush()` on close.
 */
export function stateWriter<T>(
  file: string,
  kind: string,
  snapshot: () => T,
  delayMs = 250,
): { schedule(): void; flush(): void } {
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    mkdirSync(dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ kind, version: 1, state: snapshot() }));
    renameSync(temp, file);
  };
  return {
    schedule: () => {
      if (timer !== undefined) return;
      timer = setTimeout(flush, delayMs);
      timer.unref();
    },
    flush: () => {
      if (timer !== undefined) flush();
    },
  };
}
