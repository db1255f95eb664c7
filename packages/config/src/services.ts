export { type ApiConfig, ApiConfigSchema, loadApiConfig, type Registration } from './api.ts';
export { type ConsumerConfig, ConsumerConfigSchema, loadConsumerConfig } from './consumer.ts';
export { type DashboardConfig, DashboardConfigSchema, loadDashboardConfig } from './dashboard.ts';
export { type EdgeConfig, EdgeConfigSchema, loadEdgeConfig } from './edge.ts';
export { type DerivedShared, type TracingSettings, tracingSettingsOf } from './shared.ts';
export { loadStackConfig, StackConfigSchema, type StackService } from './stack.ts';
