import { createApp } from "vue";
import PrimeVue from "primevue/config";
import ToastService from "primevue/toastservice";
import ConfirmationService from "primevue/confirmationservice";
import Aura from "@primeuix/themes/aura";
import { VueQueryPlugin, QueryClient } from "@tanstack/vue-query";
import "primeicons/primeicons.css";
import "./styles.css";
import App from "./app.vue";
import { router } from "./router";

const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false, staleTime: 5_000 } },
});

createApp(App)
  .use(PrimeVue, { theme: { preset: Aura, options: { darkModeSelector: ".app-dark" } } })
  .use(ToastService)
  .use(ConfirmationService)
  .use(VueQueryPlugin, { queryClient })
  .use(router)
  .mount("#app");
