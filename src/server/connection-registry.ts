/**
 * Every live connection of every user, on every node, as the shared log says: `node/connection` keys per
 * user (online while any is left) and per node (so a node declared down takes exactly its own along).
 * A node declared down is fenced: connections it reports later do not count.
 *
 * @example
 * ```ts
 * const registry = new ConnectionRegistry();
 * registry.add('ada', 'n1', 'c7'); // true: ada's first connection
 * registry.dropNode('n1'); // [['ada', 'n1/c7']]
 * ```
 */
export class ConnectionRegistry {
  private readonly byUser = new Map<string, Set<string>>();
  private readonly byNode = new Map<string, Map<string, string>>();
  private readonly down = new Set<string>();

  /** Live connections of the user, on all nodes. */
  count(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  isDown(node: string): boolean {
    return this.down.has(node);
  }

  /** Adds a connection; false when it was already there (a command applied twice). */
  add(userId: string, node: string, connection: string): boolean {
    const key = `${node}/${connection}`;
    let keys = this.byUser.get(userId);
    if (!keys) this.byUser.set(userId, (keys = new Set()));
    if (keys.has(key)) return false;
    keys.add(key);
    let mine = this.byNode.get(node);
    if (!mine) this.byNode.set(node, (mine = new Map()));
    mine.set(key, userId);
    return true;
  }

  /** Removes a connection; false when it was not there. */
  remove(userId: string, node: string, connection: string): boolean {
    const key = `${node}/${connection}`;
    const keys = this.byUser.get(userId);
    if (!keys?.delete(key)) return false;
    if (keys.size === 0) this.byUser.delete(userId);
    this.byNode.get(node)?.delete(key);
    return true;
  }

  /** Marks the node down and removes its connections; returns the users who lost one, once per connection. */
  dropNode(node: string): string[] {
    this.down.add(node);
    const keys = this.byNode.get(node);
    this.byNode.delete(node);
    const losers: string[] = [];
    for (const [key, userId] of keys ?? []) {
      const mine = this.byUser.get(userId);
      if (!mine?.delete(key)) continue;
      if (mine.size === 0) this.byUser.delete(userId);
      losers.push(userId);
    }
    return losers;
  }

  /** Forgets a deleted user's connections. */
  forgetUser(userId: string): void {
    for (const key of this.byUser.get(userId) ?? []) this.byNode.get(key.slice(0, key.indexOf('/')))?.delete(key);
    this.byUser.delete(userId);
  }

  /** As JSON, for a snapshot. */
  export(): { byUser: Array<[string, string[]]>; down: string[] } {
    // The newest down nodes are enough: a node is declared down long before a thousand others are.
    return { byUser: [...this.byUser].map(([id, keys]) => [id, [...keys]]), down: [...this.down].slice(-1_000) };
  }

  restore(state: { byUser: Array<[string, string[]]>; down: string[] }): void {
    for (const [userId, keys] of state.byUser) {
      for (const key of keys) this.add(userId, key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1));
    }
    for (const node of state.down) this.down.add(node);
  }
}
