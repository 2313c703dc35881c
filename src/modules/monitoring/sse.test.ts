import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { login, makeClient, Session, testServer, twoClients } from '../../../test/support/world.ts';
import type { App } from '../../app/server.ts';
import type { Db } from '../../db/database.ts';
import { SYSTEM_CONTEXT } from '../journal/service.ts';
import { busFor, type LiveState } from './bus.ts';
import { applyResults } from './ingest.ts';
import { CheckCreateBody } from './schema.ts';
import { createCheck } from './service.ts';
import { openLiveStream } from './sse.ts';

/** An open event stream read as it comes: the raw text, and its parsed `state` events. */
class StreamReader {
  text = '';
  constructor(readonly res: IncomingMessage) {
    res.setEncoding('utf8');
    res.on('data', (c: string) => (this.text += c));
  }
  get events(): { event: string; data: LiveState[] }[] {
    return this.text
      .split('\n\n')
      .filter((b) => b.includes('event: '))
      .map((b) => ({ event: /event: (\w+)/.exec(b)![1]!, data: JSON.parse(/data: (.*)/.exec(b)![1]!) as LiveState[] }));
  }
  get ended(): boolean {
    return this.res.complete || this.res.destroyed;
  }
}

function open(port: number, path: string, headers: Record<string, string>): Promise<{ res: IncomingMessage; reader: StreamReader; abort: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => resolve({ res, reader: new StreamReader(res), abort: () => req.destroy() }));
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeEachDatabase('live board events (server-sent events over real HTTP)', (getDb) => {
  let app: App;
  let port: number;
  let w: Awaited<ReturnType<typeof twoClients>>;
  let userA: Session, refB: Session;

  beforeAll(async () => {
    const db = getDb();
    app = await testServer(db);
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
    w = await twoClients(db);
    [userA, refB] = await Promise.all([login(app, w.a.user), login(app, w.b.referent)]);
  });
  afterAll(async () => {
    await app?.close();
  });

  const cookie = (s: Session) => ({ cookie: `vigie_session=${s.cookie}`, accept: 'text/event-stream' });
  const tcp = async (db: Db, clientId: string, name: string) =>
    (await createCheck(db, SYSTEM_CONTEXT, clientId, CheckCreateBody.parse({ name, type: 'tcp', settings: { host: '192.0.2.1', port: 1 }, retries: 0 }))).check;

  it('sends the client\'s own changes only, coalesced per check, and cleans up when the reader leaves', async () => {
    const db = getDb();
    const a1 = await tcp(db, w.a.client.id, 'A one');
    const a2 = await tcp(db, w.a.client.id, 'A two');
    const b1 = await tcp(db, w.b.client.id, 'B secret check');
    const listeners = busFor(db).listenerCount('live');
    const { res, reader, abort } = await open(port, `/api/v1/clients/${w.a.client.id}/monitoring/events`, cookie(userA));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.headers['cache-control']).toContain('no-cache');
    await expect.poll(() => reader.text).toContain(': connected');
    expect(busFor(db).listenerCount('live')).toBe(listeners + 1);

    // A burst: three results for a1 in a row, one for a2, and B's check changing too.
    const t = Date.now();
    await applyResults(db, [{ checkId: a1.id, at: t, status: 'up', latencyMs: 1, message: 'ok' }, { checkId: b1.id, at: t, status: 'down', latencyMs: null, message: 'B is down' }]);
    await applyResults(db, [{ checkId: a1.id, at: t + 1, status: 'degraded', latencyMs: 800, message: 'slow' }]);
    await applyResults(db, [{ checkId: a1.id, at: t + 2, status: 'down', latencyMs: null, message: 'refused' }, { checkId: a2.id, at: t + 2, status: 'up', latencyMs: 2, message: 'ok' }]);
    await expect.poll(() => reader.events.length, { timeout: 3000 }).toBe(1);
    const [ev] = reader.events;
    expect(ev!.event).toBe('state');
    // Coalesced within 500 ms: one message, the latest of each check.
    expect(ev!.data.map((s) => [s.checkId, s.state, s.lastMessage])).toEqual([[a1.id, 'down', 'refused'], [a2.id, 'up', 'ok']]);
    expect(Object.keys(ev!.data[0]!).sort()).toEqual(['checkId', 'clientId', 'lastLatencyMs', 'lastMessage', 'lastResultAt', 'lastStatus', 'since', 'state']);
    expect(reader.text).not.toContain(b1.id);
    expect(reader.text).not.toContain('B is down');

    // B's changes alone send nothing to A.
    await applyResults(db, [{ checkId: b1.id, at: t + 10, status: 'up', latencyMs: 1, message: 'B back' }]);
    await sleep(700);
    expect(reader.events).toHaveLength(1);

    abort();
    await expect.poll(() => busFor(db).listenerCount('live')).toBe(listeners);
  });

  it('authenticates like any route: no session 401, another client 404; without Accept: text/event-stream a finished stream', async () => {
    const none = await open(port, `/api/v1/clients/${w.a.client.id}/monitoring/events`, { accept: 'text/event-stream' });
    expect(none.res.statusCode).toBe(401);
    const other = await open(port, `/api/v1/clients/${w.a.client.id}/monitoring/events`, cookie(refB));
    expect(other.res.statusCode).toBe(404);
    const plain = await userA.get(`/api/v1/clients/${w.a.client.id}/monitoring/events`);
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(plain.body).toContain('Accept: text/event-stream');
  });

  it('closing the server ends open streams (shutdown does not hang on them)', async () => {
    const db = getDb();
    const own = await testServer(db);
    await own.listen({ port: 0, host: '127.0.0.1' });
    const s = await login(own, w.a.user);
    const { reader } = await open((own.server.address() as AddressInfo).port, `/api/v1/clients/${w.a.client.id}/monitoring/events`, cookie(s));
    await expect.poll(() => reader.text).toContain(': connected');
    const t0 = Date.now();
    await own.close();
    expect(Date.now() - t0).toBeLessThan(2000);
    await expect.poll(() => reader.ended).toBe(true);
  });
});

describeEachDatabase('live stream internals', (getDb) => {
  let server: Server;
  let port: number;
  let allowed = true;
  let db: Db;
  let clientId: string;

  beforeAll(async () => {
    db = getDb();
    clientId = (await makeClient(db)).id;
    server = createServer((req, res) => void openLiveStream(db, clientId, req, res, { coalesceMs: 20, pingMs: 50, stillAllowed: async () => allowed }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('pings while idle, and ends the stream once the caller is no longer allowed', async () => {
    const { reader } = await open(port, '/', { accept: 'text/event-stream' });
    await expect.poll(() => reader.text.split(': ping').length - 1).toBeGreaterThanOrEqual(2);
    const live: LiveState = { checkId: 'c1', clientId, state: 'up', since: 1, lastResultAt: 2, lastStatus: 'up', lastLatencyMs: 3, lastMessage: 'ok' };
    busFor(db).emit('live', [live, { ...live, checkId: 'other', clientId: 'someone-else' }]);
    await expect.poll(() => reader.events.map((e) => e.data.map((d) => d.checkId))).toEqual([['c1']]);
    allowed = false;
    await expect.poll(() => reader.ended).toBe(true);
  });
});
