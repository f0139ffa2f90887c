// @datenpool/gateway: the front door that mounts every service.
export { bootstrapServices, buildGateway } from './gateway.ts';
export { renderOpenApi } from './write-openapi.ts';
export { type GatewayConfig, gatewayConfigFromEnv, gatewayProcessSettings, gatewaySettings, gatewaySettingsFor } from './config.ts';
export { registerFrontDoor, securityHeaders, securityOptions } from './front-door.ts';
