import type { Db } from '../db/database.ts';
import { migrate, openDatabase } from '../db/database.ts';
import { SYSTEM_CONTEXT } from '../modules/journal/service.ts';
import { createUser, ensureProvider } from '../modules/tenancy/service.ts';
import type { Config } from './config.ts';

/** Opens and migrates the database, and makes sure the provider organisation exists. */
export async function openAndMigrate(config: Pick<Config, 'databaseUrl'>, opts: { schema?: string } = {}): Promise<Db> {
  const db = openDatabase({ url: config.databaseUrl, ...opts });
  try {
    await migrateAndEnsureProvider(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

/** Brings the schema up to date and makes sure the provider organisation exists; returns the migrations applied now. */
export async function migrateAndEnsureProvider(db: Db): Promise<string[]> {
  const applied = await migrate(db);
  await ensureProvider(db, process.env.VIGIE_PROVIDER_NAME ?? 'Mon infogérant');
  return applied;
}

export interface FirstAdmin {
  email: string;
  password: string;
}

/**
 * On the very first start: the provider's admin, with a one-time password to print. Null when a
 * provider admin exists already (even disabled: re-enabling one is a deliberate act, not a restart's).
 */
export async function ensureFirstAdmin(db: Db, email = process.env.VIGIE_ADMIN_EMAIL ?? 'admin@vigie.local'): Promise<FirstAdmin | null> {
  const provider = await ensureProvider(db);
  const anyAdmin = await db.kysely
    .selectFrom('memberships')
    .select('id')
    .where('organisation_id', '=', provider.id)
    .where('role', '=', 'admin')
    .executeTakeFirst();
  if (anyAdmin) return null;
  const r = await createUser(db, SYSTEM_CONTEXT, { email, name: 'Administrateur', organisationId: provider.id, roles: ['admin'] });
  return { email, password: r.password! };
}
