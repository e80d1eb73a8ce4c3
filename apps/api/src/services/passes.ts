import type { Ctx } from "../context";
import type { PassStartMessage } from "../queues/messages";

export async function startPassFromMessage({ ctx, input }: { ctx: Ctx; input: PassStartMessage }): Promise<void> {
  void ctx;
  throw new Error(`pass.start for ${input.facilityId}/${input.source} needs the sync engine (not wired yet)`);
}
