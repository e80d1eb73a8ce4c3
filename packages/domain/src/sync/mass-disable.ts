/**
 * The mass-disable brake: a pass that would disable more than `percent` of the source's active rows,
 * and at least `minimum` people, disables nobody and is held for an admin to allow or reject.
 * A broken listing (an empty page, a partner outage answered with 200) must not lock a gym out.
 */
export function shouldHoldRemovals(input: {
  candidates: number;
  activeRows: number;
  percent: number;
  minimum: number;
}): boolean {
  if (input.candidates === 0) return false;
  return input.candidates * 100 > input.activeRows * input.percent && input.candidates >= input.minimum;
}

export const HELD_SAMPLE_SIZE = 10;
