import type { App, Deps } from '../../app/server.ts';

/** Sites, assets and relations (being written). */
export function inventoryRoutes(_app: App, _deps: Deps) {}
