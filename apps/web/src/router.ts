import { createRouter, createWebHistory } from "vue-router";
import { authClient } from "./auth-client";

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: "/sign-in", name: "sign-in", component: () => import("./pages/sign-in-page.vue"), meta: { public: true } },
    { path: "/", name: "home", component: () => import("./pages/facility-picker-page.vue") },
    {
      path: "/facilities/:facilityId/sync",
      name: "sync-settings",
      component: () => import("./pages/sync-settings-page.vue"),
      props: true,
    },
  ],
});

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  const { data } = await authClient.getSession();
  return data ? true : { name: "sign-in", query: { next: to.fullPath } };
});
