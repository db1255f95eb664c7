import { AppError } from '../errors.ts';
import type { AccountStatsQuery } from '../schemas/stats.ts';
import { type VisitorFilters, visitorFilters } from './visits-service.ts';

/** Whose clicks count: people only (the default), bots only (`bot=true`), or both (`includeBots=true`). */
export type BotSelection = 'people' | 'bots' | 'all';

/** The workspace's links whose statistics are summed (the links list's filters); none: every link. */
export interface LinkSelection {
  tag?: string;
  /** Lower-case, compared as the links list compares it. */
  domain?: string;
  campaignId?: string;
}

export interface StatsFilters {
  bots: BotSelection;
  visitor: VisitorFilters;
  links: LinkSelection;
}

/**
 * The filters of a stats query. `bot` and `includeBots` both choose whose clicks count; given together they
 * could contradict each other (bot=true&includeBots=false), so a query carries one of them.
 */
export function resolveStatsFilters(query: Partial<AccountStatsQuery>): StatsFilters {
  if (query.bot !== undefined && query.includeBots !== undefined) {
    throw new AppError(
      'validation_failed',
      'bot: give either bot or includeBots, not both (bot=true: only bots; bot=false: only people; includeBots=true: both)',
    );
  }
  const bots: BotSelection =
    query.bot === true ? 'bots' : query.bot === false || query.includeBots !== true ? 'people' : 'all';
  return {
    bots,
    visitor: visitorFilters(query),
    links: {
      ...(query.tag !== undefined && { tag: query.tag }),
      ...(query.domain !== undefined && { domain: query.domain.toLowerCase() }),
      ...(query.campaignId !== undefined && { campaignId: query.campaignId }),
    },
  };
}

export const selectsVisitors = (filters: StatsFilters): boolean => Object.keys(filters.visitor).length > 0;
export const selectsLinks = (filters: StatsFilters): boolean => Object.keys(filters.links).length > 0;
