import { createApp } from "./app";
import type { Bindings } from "./bindings";
import { handleScheduled } from "./scheduled";
import { handleQueueBatch } from "./queues";

const app = createApp();

export default {
  fetch: app.fetch,
  scheduled(controller, env, ctx) {
    ctx.waitUntil(handleScheduled(controller, env));
  },
  async queue(batch, env, _ctx) {
    await handleQueueBatch(batch, env);
  },
} satisfies ExportedHandler<Bindings, unknown>;
