import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { makeClient } from '../../../test/support/world.ts';
import { SYSTEM_CONTEXT } from '../journal/service.ts';
import { createCollector, revokeCollector } from './collector-service.ts';
import { CheckCreateBody } from './schema.ts';
import { createCheck } from './service.ts';

describeEachDatabase('checks and revoked collectors', (getDb) => {
  it('refuses to give a check to a revoked collector, and changes nothing', async () => {
    const db = getDb();
    const client = await makeClient(db);
    const { collector } = await createCollector(db, SYSTEM_CONTEXT, client.id, { name: 'Lyon' });
    const input = CheckCreateBody.parse({ name: 'Imprimante', type: 'tcp', settings: { host: '10.0.0.9', port: 9100 }, collector_id: collector.id });
    expect((await createCheck(db, SYSTEM_CONTEXT, client.id, input)).check.collector_id).toBe(collector.id);
    await revokeCollector(db, SYSTEM_CONTEXT, client.id, collector.id);
    const count = async () => Number((await db.kysely.selectFrom('checks').select((e) => e.fn.countAll().as('n')).where('client_id', '=', client.id).executeTakeFirstOrThrow()).n);
    const before = await count();
    await expect(createCheck(db, SYSTEM_CONTEXT, client.id, { ...input, name: 'Autre' })).rejects.toMatchObject({ status: 400, id: 'collector_revoked' });
    expect(await count()).toBe(before);
  });
});
