import { router } from "../trpc/init";
import { meRouter } from "./me";
import { syncSettingsRouter } from "./sync-settings";

export const appRouter = router({
  me: meRouter,
  syncSettings: syncSettingsRouter,
});

export type AppRouter = typeof appRouter;
