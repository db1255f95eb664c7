/**
 * Who acts, and in which workspace: the workspace owns what is read and written, the user is recorded as
 * the creator. Routes pass the authenticated principal, which has both.
 */
export interface Actor {
  userId: string;
  workspaceId: string;
}
