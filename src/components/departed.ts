import { useState } from 'react';

/**
 * Everyone who has left `online` while this component watched, newest first (someone back online stays
 * listed: the caller filters by who is online now). An offline section built from a directory page
 * fetched once misses them otherwise: online when it was fetched, offline since.
 *
 * @example
 * ```ts
 * const departed = useDeparted(useOnlineUsers());
 * ```
 */
export function useDeparted(online: readonly string[]): readonly string[] {
  const [seen, setSeen] = useState(online);
  const [departed, setDeparted] = useState<readonly string[]>([]);
  // Adjusted while rendering, as React advises for state that follows a prop: no effect, no extra commit.
  if (seen !== online) {
    setSeen(online);
    const now = new Set(online);
    const gone = seen.filter((id) => !now.has(id));
    if (gone.length > 0) setDeparted((held) => [...new Set([...gone, ...held])]);
  }
  return departed;
}
