import { createContext } from 'react';
import type { PresenceCore } from '../core/index.ts';

/** Holds the one stable client; never changing state (that lives in the client's stores). */
export const PresenceContext = createContext<PresenceCore | null>(null);
