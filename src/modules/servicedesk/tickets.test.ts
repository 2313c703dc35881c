import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { insertContract, multipart, paris } from '../../../test/support/servicedesk.ts';
import { login, makeClientUser, makeStaff, Session, testServer, twoClients } from '../../../test/support/world.ts';
import type { App } from '../../app/server.ts';
import type { Db } from '../../db/database.ts';
import { SYSTEM_CONTEXT } from '../journal/service.ts';
import { addMembership, createApiToken } from '../tenancy/service.ts';
import type { Principal } from '../tenancy/principal.ts';
import { blobPath } from './attachments.ts';
import { TICKET_ACTIONS, TICKET_STATES, type TicketAction, type TicketState } from './schema.ts';
import { deskClock, TRANSITIONS } from './service.ts';

const realNow = deskClock.now;

describeEachDatabase('service desk tickets API', (getDb) => {
  let db: Db;
  let app: App;
  let dataDir: string;
  let w: Awaited<ReturnType<typeof twoClients>>;
  let engineer: Session;
  let admin: Session;
  let referent: Session;
  let user: Session;
  let user2: Session;
  let auditor: Session;
  let refB: Session;
  let userB: Session;
  let token: Session;
  let A: string;
  let B: string;
  let user2Email: string;

  beforeAll(async () => {
    db = getDb();
    dataDir = mkdtempSync(join(tmpdir(), 'vigie-desk-'));
    app = await testServer(db, { dataDir });
    w = await twoClients(db);
    A = `/api/v1/clients/${w.a.client.id}`;
    B = `/api/v1/clients/${w.b.client.id}`;
    // Impact 3 × urgency 3 is P2 in this contract (P3 by default): the contract's matrix decides.
    await insertContract(db, w.a.client.id, { matrix: [[1, 1, 2, 3], [1, 2, 3, 3], [2, 3, 2, 4], [3, 3, 4, 4]] });
    const u2 = await makeClientUser(db, w.a.client.id, ['user']);
    user2Email = u2.email;
    [engineer, admin, referent, user, user2, auditor, refB, userB] = await Promise.all(
      [w.engineerA, w.admin, w.a.referent, w.a.user, u2, w.a.auditor, w.b.referent, w.b.user].map((p) => login(app, p)),
    );
    const creator = { userId: w.engineerA.id } as Principal;
    const t = await createApiToken(db, SYSTEM_CONTEXT, creator, w.a.client.id, { name: 'supervision', role: 'engineer', expiresInDays: 30 });
    token = new Session(app, t.secret);
  });
  afterEach(() => {
    deskClock.now = realNow;
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const count = async () => ({
    tickets: Number((await db.kysely.selectFrom('tickets').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    events: Number((await db.kysely.selectFrom('ticket_events').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    sla: Number((await db.kysely.selectFrom('sla_events').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    comments: Number((await db.kysely.selectFrom('ticket_comments').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    mails: Number((await db.kysely.selectFrom('mail_outbox').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    journal: Number((await db.kysely.selectFrom('journal').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
  });

  const create = async (s: Session, body: Record<string, unknown> = {}) => {
    const r = await s.post(`${A}/tickets`, { title: 'Imprimante bloquée', ...body });
    expect(r.statusCode, r.body).toBe(201);
    return r.json();
  };
  const act = (s: Session, id: string, action: TicketAction, comment?: string) => s.post(`${A}/tickets/${id}/actions`, { action, ...(comment ? { comment } : {}) });

  it('creates a ticket numbered per client, prioritised by the contract matrix, with its requester, events and journal entry', async () => {
    deskClock.now = () => paris('2026-03-02 09:00');
    const first = await create(referent, { description: 'Plus rien ne sort', impact: 3, urgency: 3 });
    expect(first).toMatchObject({
      client_id: w.a.client.id, ref: `T-${first.number}`, type: 'incident', state: 'new', impact: 3, urgency: 3, priority: 2, source: 'portal',
      requester: { user_id: w.a.referent.id, email: w.a.referent.email }, assignee: null, group: null, created_at: paris('2026-03-02 09:00'),
      description: 'Plus rien ne sort', watchers: [], reopened_count: 0, actions: ['close'].filter(() => false),
    });
    expect(first.contract_id).toBeTruthy();
    expect(first.gti_state).toBe('running');
    expect(first.clocks.map((c: { clock: string }) => c.clock)).toEqual(['gti', 'gtr']);
    const second = await create(user, { impact: 1, urgency: 1 });
    expect(second.number).toBe(first.number + 1);
    expect(second.priority).toBe(1);
    // Client B numbers its own tickets from 1.
    const b = await refB.post(`${B}/tickets`, { title: 'Autre client' });
    expect(b.statusCode).toBe(201);
    expect(b.json()).toMatchObject({ number: 1, ref: 'T-1', contract_id: null, priority: 3, gti_state: null, clocks: [] });
    // Staff may set the priority directly (qualification), a requester of the client and a source.
    const staff = await create(engineer, { priority: 4, impact: 1, urgency: 1, requester_user_id: w.a.user.id, source: 'phone' });
    expect(staff).toMatchObject({ priority: 4, source: 'phone', requester: { user_id: w.a.user.id, email: w.a.user.email } });
    // A client may not: the matrix decides.
    const notStaff = await create(referent, { priority: 4, impact: 1, urgency: 1 });
    expect(notStaff.priority).toBe(1);
    const events = await referent.get(`${A}/tickets/${first.id}/events`);
    expect(events.json().items.map((e: { kind: string }) => e.kind)).toEqual(['created', 'sla.start', 'sla.start']);
    const j = await db.kysely.selectFrom('journal').selectAll().where('action', '=', 'ticket.create').where('object_id', '=', first.id).executeTakeFirstOrThrow();
    expect(JSON.parse(j.after!)).toMatchObject({ number: first.number, priority: 2 });
    expect((await auditor.post(`${A}/tickets`, { title: 'Non' })).statusCode).toBe(403);
  });

  it('allows each transition from the states it names and refuses every other with 409 invalid_transition, changing nothing', async () => {
    deskClock.now = () => paris('2026-03-03 10:00');
    const paths: Record<TicketState, TicketAction[]> = {
      new: [], taken: ['take'], in_progress: ['start'], waiting: ['take', 'wait'], restored: ['take', 'restore'], resolved: ['start', 'resolve'], closed: ['take', 'restore', 'close'],
    };
    const reach = async (state: TicketState) => {
      const t = await create(engineer, { impact: 2, urgency: 2 });
      for (const a of paths[state]) expect((await act(engineer, t.id, a)).statusCode).toBe(200);
      const now = (await engineer.get(`${A}/tickets/${t.id}`)).json();
      expect(now.state).toBe(state);
      return now;
    };
    for (const state of TICKET_STATES) {
      const t = await reach(state);
      for (const action of TICKET_ACTIONS) {
        const allowed = TRANSITIONS[action].from.includes(state);
        if (allowed) {
          const fresh = await reach(state);
          const r = await act(engineer, fresh.id, action);
          expect([state, action, r.statusCode]).toEqual([state, action, 200]);
          expect(r.json().state).toBe(TRANSITIONS[action].to);
        } else {
          const before = await count();
          const r = await act(engineer, t.id, action);
          expect([state, action, r.statusCode, r.json().error.id]).toEqual([state, action, 409, 'invalid_transition']);
          expect(r.json().error.details).toEqual({ from: state, action });
          expect(await count()).toEqual(before);
          expect((await engineer.get(`${A}/tickets/${t.id}`)).json()).toEqual({ ...t, clocks: expect.anything() });
        }
      }
    }
  });

  it('sets the milestones, counts reopenings and offers the caller the actions it may take', async () => {
    deskClock.now = () => paris('2026-03-04 09:00');
    const t = await create(user, { impact: 2, urgency: 2 });
    expect(t.actions).toEqual([]);
    expect((await engineer.get(`${A}/tickets/${t.id}`)).json().actions).toEqual(['take', 'start']);
    deskClock.now = () => paris('2026-03-04 09:10');
    const taken = (await act(engineer, t.id, 'take')).json();
    expect(taken).toMatchObject({ state: 'taken', taken_at: paris('2026-03-04 09:10'), assignee: { user_id: w.engineerA.id } });
    deskClock.now = () => paris('2026-03-04 10:00');
    const restored = (await act(engineer, t.id, 'restore')).json();
    expect(restored).toMatchObject({ state: 'restored', restored_at: paris('2026-03-04 10:00') });
    // The requester confirms (close) or reopens; a referent too; another plain user does not even see it.
    expect((await user.get(`${A}/tickets/${t.id}`)).json().actions).toEqual(['close', 'reopen']);
    expect((await user2.post(`${A}/tickets/${t.id}/actions`, { action: 'reopen' })).statusCode).toBe(404);
    expect((await user.post(`${A}/tickets/${t.id}/actions`, { action: 'resolve' })).statusCode).toBe(403);
    deskClock.now = () => paris('2026-03-04 11:00');
    const reopened = (await act(user, t.id, 'reopen', 'Ça recommence')).json();
    expect(reopened).toMatchObject({ state: 'in_progress', reopened_count: 1, restored_at: null });
    expect((await act(engineer, t.id, 'resolve')).json()).toMatchObject({ state: 'resolved', resolved_at: paris('2026-03-04 11:00') });
    expect((await act(referent, t.id, 'close')).json()).toMatchObject({ state: 'closed', closed_at: paris('2026-03-04 11:00') });
    expect((await auditor.post(`${A}/tickets/${t.id}/actions`, { action: 'reopen' })).statusCode).toBe(403);
    const comments = (await user.get(`${A}/tickets/${t.id}/comments`)).json().items;
    expect(comments.map((c: { body: string }) => c.body)).toEqual(['Ça recommence']);
    const journal = await db.kysely.selectFrom('journal').select('action').where('object_id', '=', t.id).orderBy('seq').execute();
    expect(journal.map((j) => j.action)).toEqual(['ticket.create', 'ticket.take', 'ticket.restore', 'ticket.reopen', 'ticket.resolve', 'ticket.close']);
  });

  it('refuses a take by an API token (not a qualified person): 403 not_qualified, GTI still running', async () => {
    deskClock.now = () => paris('2026-03-05 09:00');
    const t = await create(user, { impact: 2, urgency: 2 });
    for (const action of ['take', 'start'] as const) {
      const r = await token.post(`${A}/tickets/${t.id}/actions`, { action });
      expect([r.statusCode, r.json().error.id]).toEqual([403, 'not_qualified']);
    }
    const now = (await token.get(`${A}/tickets/${t.id}`)).json();
    expect(now).toMatchObject({ state: 'new', gti_state: 'running', taken_at: null });
    expect(now.actions).toEqual([]);
    // The token may still work the ticket once a person took it.
    expect((await act(engineer, t.id, 'take')).statusCode).toBe(200);
    expect((await token.post(`${A}/tickets/${t.id}/actions`, { action: 'wait' })).json().state).toBe('waiting');
  });

  it('shows a plain user only the tickets they requested or watch; referents and auditors see all; another client sees nothing', async () => {
    deskClock.now = () => paris('2026-03-06 09:00');
    const mine = await create(user, { title: 'Ticket de user' });
    const watched = await create(referent, { title: 'Surveillé par user2' });
    await engineer.patch(`${A}/tickets/${watched.id}`, { watchers: [user2Email] });
    const other = await create(referent, { title: 'Ticket du référent' });
    const ids = async (s: Session) => (await s.get(`${A}/tickets?queue=all&limit=200`)).json().items.map((t: { id: string }) => t.id);
    const ofUser = await ids(user);
    expect(ofUser).toContain(mine.id);
    expect(ofUser).not.toContain(other.id);
    expect(ofUser).not.toContain(watched.id);
    const ofUser2 = await ids(user2);
    expect(ofUser2).toEqual([watched.id]);
    expect((await user.get(`${A}/tickets/${other.id}`)).statusCode).toBe(404);
    expect((await user2.get(`${A}/tickets/${watched.id}`)).statusCode).toBe(200);
    for (const s of [referent, auditor, engineer, admin]) expect(await ids(s)).toEqual(expect.arrayContaining([mine.id, watched.id, other.id]));
    // Another client's people: the client itself is a 404, and so is a ticket id under their own client.
    for (const s of [refB, userB]) {
      expect((await s.get(`${A}/tickets/${mine.id}`)).statusCode).toBe(404);
      expect((await s.get(`${A}/tickets`)).statusCode).toBe(404);
      expect((await s.get(`${B}/tickets/${mine.id}`)).statusCode).toBe(404);
      expect((await s.post(`${B}/tickets/${mine.id}/comments`, { body: 'x' })).statusCode).toBe(404);
      expect((await s.post(`${B}/tickets/${mine.id}/actions`, { action: 'close' })).statusCode).toBe(404);
      expect((await s.get(`${B}/tickets/${mine.id}/events`)).statusCode).toBe(404);
    }
    expect((await admin.get(`${B}/tickets/${mine.id}`)).statusCode).toBe(404);
  });

  it('keeps internal notes and internal attachments from client roles, in comments, events and downloads', async () => {
    deskClock.now = () => paris('2026-03-09 09:00');
    const t = await create(user, { title: 'Note interne' });
    expect((await engineer.post(`${A}/tickets/${t.id}/comments`, { body: 'Le client a encore cliqué sur le lien', public: false })).statusCode).toBe(201);
    expect((await engineer.post(`${A}/tickets/${t.id}/comments`, { body: 'Nous regardons', public: true })).statusCode).toBe(201);
    const note = multipart({ name: 'diag.txt', type: 'text/plain', content: Buffer.from('secret diag') }, { internal: 'true' });
    const up = await engineer.request('POST', `${A}/tickets/${t.id}/attachments`, note.payload, note.headers);
    expect(up.statusCode, up.body).toBe(201);
    expect(up.json().internal).toBe(true);
    for (const s of [user, referent, auditor]) {
      const cm = await s.get(`${A}/tickets/${t.id}/comments`);
      expect(cm.json().items.map((c: { body: string }) => c.body)).toEqual(['Nous regardons']);
      const ev = await s.get(`${A}/tickets/${t.id}/events`);
      expect(ev.body).not.toContain('internal');
      expect(ev.json().items.filter((e: { kind: string }) => e.kind === 'comment')).toHaveLength(1);
      expect(ev.json().items.filter((e: { kind: string }) => e.kind === 'attachment')).toHaveLength(0);
      expect((await s.get(`${A}/tickets/${t.id}/attachments/${up.json().id}`)).statusCode).toBe(404);
      expect((await s.get(`${A}/tickets/${t.id}/attachments`)).json().items).toEqual([]);
    }
    const staffView = await engineer.get(`${A}/tickets/${t.id}/comments`);
    expect(staffView.json().items.map((c: { public: boolean }) => c.public)).toEqual([false, true]);
    expect((await engineer.get(`${A}/tickets/${t.id}/attachments/${up.json().id}`)).body).toBe('secret diag');
    // Clients cannot write notes or internal attachments.
    expect((await referent.post(`${A}/tickets/${t.id}/comments`, { body: 'note', public: false })).statusCode).toBe(403);
    const clientInternal = multipart({ name: 'x.txt', type: 'text/plain', content: Buffer.from('x') }, { internal: 'true' });
    expect((await user.request('POST', `${A}/tickets/${t.id}/attachments`, clientInternal.payload, clientInternal.headers)).statusCode).toBe(403);
    // No mail at all for an internal note.
    const mails = await db.kysely.selectFrom('mail_outbox').select('body').where('ticket_id', '=', t.id).execute();
    expect(JSON.stringify(mails)).not.toContain('cliqué sur le lien');
  });

  it('stores attachments by content (sha256), serves them back with their name, and refuses what is too big', async () => {
    deskClock.now = () => paris('2026-03-09 10:00');
    const t = await create(user, { title: 'Pièce jointe' });
    const content = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    const sha = createHash('sha256').update(content).digest('hex');
    const body = multipart({ name: '../../etc/Capture d’écran <1>.png', type: 'image/png', content });
    const r = await user.request('POST', `${A}/tickets/${t.id}/attachments`, body.payload, body.headers);
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ filename: 'Capture d’écran _1_.png', content_type: 'image/png', size: content.length, sha256: sha, internal: false });
    expect(readFileSync(blobPath(dataDir, sha)).equals(content)).toBe(true);
    const again = await referent.request('POST', `${A}/tickets/${t.id}/attachments`, body.payload, body.headers);
    expect(again.json().sha256).toBe(sha);
    const dl = await referent.get(`${A}/tickets/${t.id}/attachments/${r.json().id}`);
    expect(dl.statusCode).toBe(200);
    expect(dl.headers['content-type']).toBe('image/png');
    expect(dl.headers['content-disposition']).toContain('attachment; filename=');
    expect(createHash('sha256').update(dl.rawPayload).digest('hex')).toBe(sha);
    // An HTML upload is served as a plain download.
    const html = multipart({ name: 'page.html', type: 'text/html', content: Buffer.from('<script>alert(1)</script>') });
    const h = await user.request('POST', `${A}/tickets/${t.id}/attachments`, html.payload, html.headers);
    expect((await user.get(`${A}/tickets/${t.id}/attachments/${h.json().id}`)).headers['content-type']).toBe('application/octet-stream');
    // Too big: 413, no row, no blob left behind.
    const before = Number((await db.kysely.selectFrom('ticket_attachments').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const big = multipart({ name: 'big.bin', type: 'application/octet-stream', content: Buffer.alloc(20 * 1024 * 1024 + 10, 7) });
    const tooBig = await user.request('POST', `${A}/tickets/${t.id}/attachments`, big.payload, big.headers);
    expect([tooBig.statusCode, tooBig.json().error.id]).toEqual([413, 'file_too_large']);
    expect(Number((await db.kysely.selectFrom('ticket_attachments').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(before);
    expect(existsSync(blobPath(dataDir, createHash('sha256').update(Buffer.alloc(20 * 1024 * 1024 + 10, 7)).digest('hex')))).toBe(false);
    // Another client's people cannot upload or download.
    expect((await refB.request('POST', `${A}/tickets/${t.id}/attachments`, body.payload, body.headers)).statusCode).toBe(404);
    expect((await refB.get(`${B}/tickets/${t.id}/attachments/${r.json().id}`)).statusCode).toBe(404);
    expect((await auditor.request('POST', `${A}/tickets/${t.id}/attachments`, body.payload, body.headers)).statusCode).toBe(403);
  });

  it('refuses bad input with a 400 and a stable id, changing nothing', async () => {
    deskClock.now = () => paris('2026-03-10 09:00');
    const assetB = await db.kysely
      .insertInto('assets')
      .values({
        id: '01900000-0000-7000-8000-0000000000b1', client_id: w.b.client.id, site_id: null, name: 'srv-b', type: 'server', criticality: 2, business_impact: '', owner: '', location: '',
        serial: '', manufacturer: '', model: '', ip_address: '', warranty_end: null, tags: '[]', custom_fields: '{}', notes: '', search_text: 'srv-b', created_at: 1, updated_at: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const t = await create(engineer, { title: 'Base' });
    const before = await count();
    const cases: [Session, string, 'POST' | 'PATCH', Record<string, unknown>, number, string][] = [
      [referent, `${A}/tickets`, 'POST', { title: 'x', asset_ids: [assetB.id] }, 400, 'unknown_asset'],
      [referent, `${A}/tickets`, 'POST', { title: '   ' }, 400, 'validation_failed'],
      [referent, `${A}/tickets`, 'POST', { title: 'x', impact: 5 }, 400, 'validation_failed'],
      [referent, `${A}/tickets`, 'POST', { title: 'x', type: 'bug' }, 400, 'validation_failed'],
      [referent, `${A}/tickets`, 'POST', { title: 'x', watchers: ['pas une adresse'] }, 400, 'validation_failed'],
      [engineer, `${A}/tickets`, 'POST', { title: 'x', assignee_user_id: w.b.user.id }, 400, 'unknown_assignee'],
      [engineer, `${A}/tickets`, 'POST', { title: 'x', requester_user_id: w.b.user.id }, 400, 'unknown_requester'],
      [engineer, `${A}/tickets`, 'POST', { title: 'x', group_id: '01900000-0000-7000-8000-0000000000ff' }, 400, 'unknown_group'],
      [engineer, `${A}/tickets/${t.id}`, 'PATCH', { asset_ids: [assetB.id] }, 400, 'unknown_asset'],
      [engineer, `${A}/tickets/${t.id}`, 'PATCH', { priority: 0 }, 400, 'validation_failed'],
      [engineer, `${A}/tickets/${t.id}`, 'PATCH', { assignee_user_id: w.a.user.id }, 400, 'unknown_assignee'],
      [engineer, `${A}/tickets/${t.id}`, 'PATCH', { problem_id: t.id }, 400, 'unknown_problem'],
      [engineer, `${A}/tickets/${t.id}/actions`, 'POST', { action: 'explode' }, 400, 'validation_failed'],
      [engineer, `${A}/tickets/${t.id}/comments`, 'POST', { body: '' }, 400, 'validation_failed'],
      [engineer, `${A}/tickets?queue=nope`, 'POST', {}, 404, 'route_not_found'],
    ];
    for (const [s, url, method, body, status, id] of cases) {
      const r = url.includes('?') ? await s.get(url.replace('queue=nope', 'queue=nope')) : await s.request(method, url, body);
      if (url.includes('?')) expect([r.statusCode, r.json().error.id]).toEqual([400, 'validation_failed']);
      else expect([JSON.stringify(body), r.statusCode, r.json().error.id]).toEqual([JSON.stringify(body), status, id]);
    }
    expect((await engineer.get(`${A}/tickets?cursor=garbage`)).json().error.id).toBe('invalid_cursor');
    expect((await engineer.get(`${A}/tickets/not-an-id`)).statusCode).toBe(400);
    expect(await count()).toEqual(before);
    expect((await engineer.get(`${A}/tickets/${t.id}`)).json()).toMatchObject({ assets: [], assignee: null, problem_id: null });
  });

  it('lists queues newest first with keyset pages, searches by title and reference, and the provider queue names clients', async () => {
    deskClock.now = () => paris('2026-03-11 09:00');
    const tech = await makeStaff(db, ['technician']);
    await addMembership(db, SYSTEM_CONTEXT, w.a.client.id, tech.id, 'technician');
    const techS = await login(app, tech);
    const group = await admin.post('/api/v1/support-groups', { name: `Niveau 2 ${Date.now()}`, lead_user_id: w.engineerA.id, member_ids: [tech.id] });
    expect(group.statusCode, group.body).toBe(201);
    const made = [];
    for (let i = 0; i < 7; i++) made.push(await create(referent, { title: `Liste ${i} imprimante`, impact: 2, urgency: 2 }));
    await engineer.patch(`${A}/tickets/${made[1].id}`, { assignee_user_id: tech.id });
    await engineer.patch(`${A}/tickets/${made[2].id}`, { group_id: group.json().id });
    await act(engineer, made[3].id, 'take');
    await act(engineer, made[3].id, 'restore');
    await act(engineer, made[3].id, 'resolve');
    const page1 = (await referent.get(`${A}/tickets?queue=all&limit=3&q=liste`)).json();
    expect(page1.items.map((t: { id: string }) => t.id)).toEqual([made[6].id, made[5].id, made[4].id]);
    const page2 = (await referent.get(`${A}/tickets?queue=all&limit=3&q=liste&cursor=${page1.next_cursor}`)).json();
    expect(page2.items.map((t: { id: string }) => t.id)).toEqual([made[3].id, made[2].id, made[1].id]);
    const page3 = (await referent.get(`${A}/tickets?queue=all&limit=3&q=liste&cursor=${page2.next_cursor}`)).json();
    expect(page3.items.map((t: { id: string }) => t.id)).toEqual([made[0].id]);
    expect(page3.next_cursor).toBeNull();
    const q = async (s: Session, query: string) => (await s.get(`${A}/tickets?${query}&q=liste&limit=200`)).json().items.map((t: { id: string }) => t.id);
    expect(await q(techS, 'queue=mine')).toEqual([made[1].id]);
    expect(await q(techS, 'queue=my_groups')).toEqual([made[2].id]);
    expect(await q(referent, 'queue=closed')).toEqual([made[3].id]);
    expect(await q(referent, 'queue=open')).not.toContain(made[3].id);
    expect(await q(referent, 'queue=unassigned')).toEqual([made[6].id, made[5].id, made[4].id, made[2].id, made[0].id]);
    expect(await q(referent, 'queue=all&state=resolved')).toEqual([made[3].id]);
    const byRef = (await referent.get(`${A}/tickets?queue=all&q=T-${made[4].number}`)).json().items;
    expect(byRef.map((t: { id: string }) => t.id)).toEqual([made[4].id]);
    const byNumber = (await referent.get(`${A}/tickets?queue=all&q=${made[5].number}`)).json().items;
    expect(byNumber.map((t: { id: string }) => t.id)).toContain(made[5].id);
    const item = (await referent.get(`${A}/tickets?queue=all&q=T-${made[2].number}`)).json().items[0];
    expect(item.group).toEqual({ id: group.json().id, name: group.json().name });
    // The provider's queue: staff only, the clients they work on, each item with its client's name.
    const pq = await engineer.get('/api/v1/tickets?queue=all&limit=200');
    expect(pq.statusCode).toBe(200);
    expect(new Set(pq.json().items.map((t: { client_id: string }) => t.client_id))).toEqual(new Set([w.a.client.id]));
    expect(pq.json().items[0].client_name).toBe('Alpha Industrie');
    const all = (await admin.get('/api/v1/tickets?queue=all&limit=200')).json().items.map((t: { client_id: string }) => t.client_id);
    expect(all).toContain(w.b.client.id);
    expect((await admin.get(`/api/v1/tickets?queue=all&client_id=${w.b.client.id}`)).json().items.every((t: { client_id: string }) => t.client_id === w.b.client.id)).toBe(true);
    for (const s of [referent, user, token]) expect((await s.get('/api/v1/tickets')).statusCode).toBe(403);
  });

  it('manages support groups: admins write, staff read, clients are refused', async () => {
    const tech = await makeStaff(db, ['technician']);
    const created = await admin.post('/api/v1/support-groups', { name: 'Réseau', lead_user_id: w.engineerA.id, member_ids: [tech.id] });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ name: 'Réseau', lead: { user_id: w.engineerA.id } });
    expect(created.json().members.map((m: { user_id: string }) => m.user_id).sort()).toEqual([w.engineerA.id, tech.id].sort());
    expect((await admin.post('/api/v1/support-groups', { name: 'réseau' })).json().error.id).toBe('group_name_taken');
    expect((await admin.post('/api/v1/support-groups', { name: 'Clients', member_ids: [w.a.user.id] })).json().error.id).toBe('unknown_user');
    expect((await engineer.get('/api/v1/support-groups')).json().items.map((g: { name: string }) => g.name)).toContain('Réseau');
    expect((await engineer.post('/api/v1/support-groups', { name: 'X' })).statusCode).toBe(403);
    expect((await referent.get('/api/v1/support-groups')).statusCode).toBe(403);
    const patched = await admin.patch(`/api/v1/support-groups/${created.json().id}`, { name: 'Réseau et sécurité', member_ids: [] });
    expect(patched.json()).toMatchObject({ name: 'Réseau et sécurité', members: [{ user_id: w.engineerA.id }] });
    expect((await admin.delete(`/api/v1/support-groups/${created.json().id}`)).statusCode).toBe(204);
    expect((await admin.patch(`/api/v1/support-groups/${created.json().id}`, { name: 'x' })).statusCode).toBe(404);
    const j = await db.kysely.selectFrom('journal').select('action').where('object_id', '=', created.json().id).orderBy('seq').execute();
    expect(j.map((x) => x.action)).toEqual(['support_group.create', 'support_group.update', 'support_group.delete']);
  });
});

describe('transitions table', () => {
  it('names every action', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...TICKET_ACTIONS].sort());
  });
});
