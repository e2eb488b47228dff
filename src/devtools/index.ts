/**
 * In-app devtools for presence-kit, imported from `presence-kit/devtools`.
 *
 * @packageDocumentation
 * @module presence-kit/devtools
 */
import { createElement, lazy, Suspense, useEffect, useMemo } from 'react';
import { usePresenceClient } from '../react/usePresenceClient.ts';
import type { DevtoolsPanelProps } from './DevtoolsPanel.tsx';
import { createRecorder } from './recorder.ts';

/** Props of {@link PresenceDevtools} and {@link PresenceDevtoolsPanel}. */
export type PresenceDevtoolsProps = Omit<DevtoolsPanelProps, 'recorder'>;

// The panel loads on first render, never with the app's code.
const Panel = /* @__PURE__ */ lazy(() => import('./DevtoolsPanel.tsx'));

/**
 * The devtools panel in any build, production included, for an app that chooses to ship it (behind its
 * own flag). Loads on first render.
 *
 * @example
 * ```tsx
 * {debug ? <PresenceDevtoolsPanel initialIsOpen /> : null}
 * ```
 */
export function PresenceDevtoolsPanel(props: PresenceDevtoolsProps) {
  const client = usePresenceClient();
  const recorder = useMemo(() => createRecorder(client), [client]);
  // Recording starts at mount, before the panel's code has loaded (and before the provider connects:
  // a child's effects run first), so the log begins with the first frame.
  useEffect(() => recorder.subscribe(() => {}), [recorder]);
  return createElement(Suspense, { fallback: null }, createElement(Panel, { ...props, recorder }));
}

/**
 * A floating panel (like React Query Devtools) showing the nearest provider's connection status and
 * history, server cursor and catch-ups, retained users and their holders, pending status changes, and a
 * live log of frames with filters. In production builds (`process.env.NODE_ENV === 'production'`, which
 * bundlers replace) it renders nothing and its code is dropped; see {@link PresenceDevtoolsPanel}. The
 * token never appears: the frame that carries it is not logged.
 *
 * @example
 * ```tsx
 * import { PresenceDevtools } from 'presence-kit/devtools';
 *
 * <PresenceProvider url="https://presence.example.com" token={getToken}>
 *   <App />
 *   <PresenceDevtools />
 * </PresenceProvider>
 * ```
 */
export const PresenceDevtools: (props: PresenceDevtoolsProps) => ReturnType<typeof PresenceDevtoolsPanel> | null =
  process.env.NODE_ENV === 'production' ? () => null : PresenceDevtoolsPanel;
