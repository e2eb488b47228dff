// Stands for your authentication (NextAuth's auth(), Clerk's currentUser(), your session cookie).
export function signedInUserId(): string {
  return 'ada';
}
