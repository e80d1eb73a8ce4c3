/**
 * "running (ready in 19.5 s, after 34.0 s installing packages)": the time to start the stack, and the
 * install that `npm start` ran before it (bin/start.mjs passes when it began in UAS_LAUNCHED_AT), so a
 * slow first start is not mistaken for a slow stack.
 */
export function startupTime(input: { launchedAt: number | null; stackStartedAt: number; readyAt: number }): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const ready = `ready in ${seconds(input.readyAt - input.stackStartedAt)}`;
  if (input.launchedAt === null || input.launchedAt > input.stackStartedAt) return ready;
  return `${ready}, after ${seconds(input.stackStartedAt - input.launchedAt)} installing packages`;
}

export function launchedAtFromEnv(value: string | undefined): number | null {
  const at = Number(value);
  return value && Number.isFinite(at) && at > 0 ? at : null;
}
