import { type Static, Type } from 'typebox';

export const InvitedRole = Type.Union(
  [Type.Literal('admin'), Type.Literal('member'), Type.Literal('viewer')],
  {
    description: 'The role the invitee gets; nobody is invited to own a workspace',
  },
);

export const InvitationSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    email: Type.String(),
    role: InvitedRole,
    expiresAt: Type.String({ format: 'date-time' }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Invitation', title: 'Pending invitation' },
);
export type InvitationView = Static<typeof InvitationSchema>;

export const CreatedInvitation = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  role: InvitedRole,
  expiresAt: Type.String({ format: 'date-time' }),
  createdAt: Type.String({ format: 'date-time' }),
  token: Type.Optional(
    Type.String({
      description:
        'The invitation secret, shown once, when email is off: hand it to the invitee, who accepts it with ' +
        'POST /invitations/accept or signs up with it. With email on it is mailed to the invitee instead.',
    }),
  ),
  emailed: Type.Boolean({ description: 'Whether the invitation was mailed to the invitee (email is on)' }),
});

export const InvitationToken = Type.String({ minLength: 16, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' });
