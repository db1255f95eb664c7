export {
  type AccountClicksDaily,
  type AccountClicksHourly,
  type AccountDimension,
  type AccountDimensionsDaily,
  accountClicksDaily,
  accountClicksHourly,
  accountDimensions,
  accountDimensionsDaily,
} from './account-rollups.ts';
export { type ApiKey, type ApiKeyScope, apiKeyScopes, apiKeys, type NewApiKey } from './api-keys.ts';
export { type Campaign, campaigns, type NewCampaign } from './campaigns.ts';
export { type ClickEvent, clickEvents, clickRollupProgress, type NewClickEvent } from './click-events.ts';
export {
  type Domain,
  type DomainStatus,
  type DomainVerificationMethod,
  domainStatuses,
  domains,
  domainVerificationMethods,
  type NewDomain,
} from './domains.ts';
export {
  type BlockedDestination,
  blockedDestinations,
  type InstanceAuditEvent,
  instanceAuditEvents,
} from './instance.ts';
export {
  type AgentDimension,
  agentDimensions,
  type LinkAgentsDaily,
  linkAgentsDaily,
  type NewLinkAgentsDaily,
} from './link-agents-daily.ts';
export { type LinkClicksDaily, linkClicksDaily, type NewLinkClicksDaily } from './link-clicks-daily.ts';
export { type LinkClicksHourly, linkClicksHourly, type NewLinkClicksHourly } from './link-clicks-hourly.ts';
export {
  type ClickDimension,
  clickDimensions,
  type LinkDimensionsDaily,
  linkDimensionsDaily,
  type NewLinkDimensionsDaily,
  VARIANT_DIMENSION,
  type VariantDimension,
} from './link-dimensions-daily.ts';
export {
  type LinkVisitorsDaily,
  linkVisitorsDaily,
  type NewLinkVisitorsDaily,
} from './link-visitors-daily.ts';
export { type Link, links, type NewLink, type RedirectType, redirectTypes } from './links.ts';
export { type OrphanVisitRow, orphanVisitBatches, orphanVisits } from './orphan-visits.ts';
export { type PasswordResetToken, passwordResetTokens } from './password-resets.ts';
export { type NewUser, type User, users } from './users.ts';
export {
  type AuditEvent,
  auditEvents,
  type Workspace,
  type WorkspaceInvitation,
  type WorkspaceMember,
  type WorkspaceRole,
  workspaceInvitations,
  workspaceMembers,
  workspaceRoles,
  workspaces,
} from './workspaces.ts';
