import type { Cache } from './index.js';

/** Options of `installOverlay`. */
export interface OverlayOptions {
  /** How often an open view refreshes, in ms. Default 5000. */
  refreshMs?: number;
  /** Where the host element (`#freshet-overlay`) goes. Default `document.body`. */
  container?: HTMLElement;
}

/** The installed overlay. */
export interface Overlay {
  /** Opens the panel (Ctrl+Shift+D) or the dashboard (Ctrl+Shift+M). */
  open(view: 'panel' | 'dashboard'): void;
  /** Closes whichever view is open (Escape). */
  close(): void;
  /** Redraws the open view now. */
  refresh(): void;
  /** Removes the overlay and its keyboard listener. */
  destroy(): void;
}

/**
 * The dev-build debug overlay: Ctrl+Shift+D toggles a panel (hit rates, entries and why each is
 * stale, recent events, clear buttons), Ctrl+Shift+M a metrics dashboard (time ranges,
 * grouping, charts, export). Rendered in a shadow root; reads only the cache's public API.
 */
export declare function installOverlay(cache: Cache, options?: OverlayOptions): Overlay;
