import { definePolicy, EVERYONE } from '../../core/policy.ts';
import type { Role } from '../tenancy/roles.ts';

/** Who keeps the estate's inventory up to date: the provider's technical staff and the client's technical referent. */
const WRITERS: readonly Role[] = ['admin', 'engineer', 'technician', 'technical_referent'];

/** Who may do what with a client's sites, assets and relations. */
export const inventoryPolicy = definePolicy({
  'inventory.read': EVERYONE,
  'inventory.write': WRITERS,
  /** Bulk CSV import (and its preview). */
  'inventory.import': WRITERS,
  /** CSV export: whoever may read may take a copy (each export is journaled). */
  'inventory.export': EVERYONE,
});
