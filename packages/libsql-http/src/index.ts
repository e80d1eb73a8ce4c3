export { startLibsqlHttpServer, type LibsqlHttpServer, type LibsqlHttpServerOptions } from "./server.js";
