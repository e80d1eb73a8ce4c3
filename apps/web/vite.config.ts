import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

// In development the admin app and the Worker share one origin through this proxy, so the session
// cookie is first-party; in production the Worker serves the built app itself.
const api = process.env.UAS_API_URL ?? "http://127.0.0.1:8787";

export default defineConfig({
  plugins: [vue()],
  server: {
    proxy: {
      "/trpc": { target: api },
      "/api": { target: api },
      "/webhooks": { target: api },
    },
  },
  build: { target: "es2022", sourcemap: true },
});
