import { spawn, type ChildProcess } from "node:child_process";

export type Managed = { name: string; child: ChildProcess };

/** Spawns a long-running child whose output is prefixed with its name. */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; quiet?: boolean; drop?: (line: string) => boolean },
): Managed {
  // Not detached: children share our process group, so a group kill (Ctrl-C, a test runner's teardown)
  // reaches them even if this process dies before it can stop them itself.
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
  const prefix = `[${name}] `;
  const forward = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
    if (options.quiet) return;
    for (const line of chunk.toString().split("\n")) {
      if (line.trim() && !options.drop?.(line)) stream.write(`${prefix + line}\n`);
    }
  };
  child.stdout?.on("data", forward(process.stdout));
  child.stderr?.on("data", forward(process.stderr));
  return { name, child };
}

/** Asks a child to stop (it stops what it started), and kills it if it has not within 5 s. */
export async function stopProcess({ child }: Managed): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

export async function waitForHttp(url: string, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`process serving ${url} exited`);
    try {
      // A probe given up on early makes workerd log a "Broken pipe" stack for it: on a loaded machine
      // the first answers take several seconds, so each probe waits up to 10 s.
      const res = await fetch(url, {
        signal: AbortSignal.timeout(Math.max(1000, Math.min(10_000, deadline - Date.now()))),
      });
      if (res.status < 500) return;
      lastError = new Error(`status ${res.status}`);
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}
