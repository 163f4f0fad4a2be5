// server/: the controller's HTTP API (admin, host, FleetLock, metrics, OpenAPI), the registry gateway and the controller
// loop.

export type { ServerContext, ServerLimits } from './context.js';
export { DEFAULT_LIMITS } from './context.js';
export type { Controller, ControllerOptions, TickResult } from './controller.js';
export { createController } from './controller.js';
export { fleetRepository } from './gateway/access.js';
export type { GatewayOptions } from './gateway/options.js';
export type { DesiredResponse } from './host-routes.js';
export { desiredResponseSchema } from './host-routes.js';
export { metricsText } from './metrics-text.js';
export { openApiDocument } from './openapi.js';
export type { RetentionOptions, RetentionTimer } from './retention-timer.js';
export type { PatchlineServer, ServerOptions, TlsFiles } from './server.js';
export { createServer } from './server.js';
export type { Status, StatusReason } from './status.js';
export { statusOf } from './status.js';
