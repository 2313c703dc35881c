import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { makeClient } from '../../../test/support/world.ts';
import { SYSTEM_CONTEXT } from '../journal/service.ts';
import { CheckCreateBody } from './schema.ts';
import { MASK, maskSettings, restoreMasked } from './secrets.ts';
import { createCheck, presentCheck, updateCheck } from './service.ts';

it('masks secrets at any depth, and a placeholder sent back restores the stored value', () => {
  const stored = { host: 'sw1', credentials: { version: '3', user: 'mon', authKey: 'k3y-secret', privKey: 'pr1v-secret' }, headers: { Authorization: 'Bearer x', Accept: 'json' } };
  const masked = maskSettings(stored) as typeof stored;
  expect(masked.credentials).toEqual({ version: '3', user: 'mon', authKey: MASK, privKey: MASK });
  expect(masked.headers).toEqual({ Authorization: MASK, Accept: 'json' });
  expect(JSON.stringify(masked)).not.toMatch(/secret|Bearer/);
  expect(restoreMasked({ ...masked, host: 'sw2' }, stored)).toEqual({ ...stored, host: 'sw2' });
  expect(restoreMasked({ ...masked, credentials: { ...masked.credentials, authKey: 'new-key-123' } }, stored)).toMatchObject({ credentials: { authKey: 'new-key-123', privKey: 'pr1v-secret' } });
});

describeEachDatabase('check secrets', (getDb) => {
  it('never shows an SNMP community in reads or in the journal, and keeps it through a masked PATCH', async () => {
    const db = getDb();
    const client = await makeClient(db);
    const input = CheckCreateBody.parse({ name: 'Switch', type: 'snmp', settings: { host: '10.0.0.2', credentials: { version: '2c', community: 'tr3s-secret' }, mode: 'system' } });
    const { check } = await createCheck(db, SYSTEM_CONTEXT, client.id, input);
    const shown = presentCheck(check);
    expect(JSON.stringify(shown)).not.toContain('tr3s-secret');
    await updateCheck(db, SYSTEM_CONTEXT, client.id, check.id, { name: 'Switch cœur', settings: shown.settings });
    const row = await db.kysely.selectFrom('checks').select('settings').where('id', '=', check.id).executeTakeFirstOrThrow();
    expect(JSON.parse(row.settings).credentials.community).toBe('tr3s-secret');
    const journal = await db.kysely.selectFrom('journal').select(['before', 'after']).where('object_id', '=', check.id).execute();
    expect(JSON.stringify(journal)).not.toContain('tr3s-secret');
  });
});
