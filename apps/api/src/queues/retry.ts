/** Exponential backoff for queue retries: 2, 4, 8, … seconds, capped at 5 minutes. */
export function backoffSeconds(attempts: number): number {
  return Math.min(300, 2 ** Math.max(1, attempts));
}
