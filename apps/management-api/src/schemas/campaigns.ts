import { type Static, Type } from 'typebox';

const UtmValue = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const OptionalUtm = Type.Union([Type.String({ maxLength: 200 }), Type.Null()]);

export const Utm = Type.Object(
  {
    source: UtmValue,
    medium: UtmValue,
    campaign: UtmValue,
    term: Type.Optional(OptionalUtm),
    content: Type.Optional(OptionalUtm),
  },
  { additionalProperties: false },
);

export const CampaignSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    utm: Type.Object({
      source: Type.String(),
      medium: Type.String(),
      campaign: Type.String(),
      term: Type.Union([Type.String(), Type.Null()]),
      content: Type.Union([Type.String(), Type.Null()]),
    }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Campaign', title: 'Campaign' },
);

export const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });

/** A campaign as the API answers it. */
export type CampaignView = Static<typeof CampaignSchema>;
/** The UTM parameters a campaign is created with. */
export type UtmInput = Static<typeof Utm>;
