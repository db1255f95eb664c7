import { type Static, Type } from 'typebox';

export const Role = Type.Union(
  [Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member'), Type.Literal('viewer')],
  { description: 'owner, admin, member or viewer (docs/workspaces.md)' },
);

export const WorkspaceName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });

export const WorkspaceSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    personal: Type.Boolean({ description: "The user's own workspace: not deletable, the default" }),
    role: Role,
    permissions: Type.Array(Type.String(), {
      description:
        'What the caller may do here, from their role (docs/workspaces.md): a client offers only these actions',
    }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Workspace', title: 'Workspace (with the caller’s role in it)' },
);
export type WorkspaceView = Static<typeof WorkspaceSchema>;

export const MemberSchema = Type.Object(
  {
    userId: Type.String({ format: 'uuid' }),
    email: Type.String(),
    role: Role,
    joinedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Member', title: 'Workspace member' },
);
export type MemberView = Static<typeof MemberSchema>;

export const UserIdParams = Type.Object(
  { userId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);
