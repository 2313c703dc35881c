import type { FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App, Deps } from '../../app/server.ts';
import { principalOf } from '../../app/auth.ts';
import { sha256 } from '../../core/crypto.ts';
import { AppError, badRequest } from '../../core/errors.ts';
import type { Db } from '../../db/database.ts';
import { auditContext, type Principal } from '../tenancy/principal.ts';
import { ClientParams } from '../tenancy/schema.ts';
import { clientAvailability, loadBoard, toPeriods } from './board.ts';
import { applyResults } from './ingest.ts';
import * as mw from './maintenance-service.ts';
import { availability } from './periods.ts';
import { monitoringPolicy } from './policy.ts';
import { presentAvailability, presentCheckView } from './presenters.ts';
import { readResultSeries } from './rollup-job.ts';
import { CheckCreateBody, CheckListQuery, CheckParams, CheckPatchBody, RangeQuery } from './schema.ts';
import * as svc from './service.ts';
import { openLiveStream, wantsEventStream } from './sse.ts';

const DAY = 86_400_000;
const TAGS = ['monitoring'];

/** A time range from the query: default the last 24 hours (or `defaultSpan` from `defaultFrom`); 400 invalid_range when empty or too long. */
function rangeOf(q: { from?: number | undefined; to?: number | undefined }, opts: { defaultFrom?: number; defaultSpan?: number; maxSpan?: number } = {}) {
  const now = Date.now();
  const span = opts.defaultSpan ?? DAY;
  let from: number, to: number;
  if (q.from !== undefined && q.to !== undefined) [from, to] = [q.from, q.to];
  else if (q.from !== undefined) [from, to] = [q.from, q.from + span];
  else if (q.to !== undefined) [from, to] = [q.to - span, q.to];
  else if (opts.defaultFrom !== undefined) [from, to] = [opts.defaultFrom, opts.defaultFrom + span];
  else [from, to] = [now - span, now];
  if (from < 0 || to <= from) throw badRequest('invalid_range', '`from` must come before `to`');
  if (opts.maxSpan !== undefined && to - from > opts.maxSpan) throw badRequest('invalid_range', `The range may span at most ${opts.maxSpan / DAY} days`);
  return { from, to, now };
}

async function assetNameOf(db: Db, clientId: string, assetId: string | null): Promise<string | null> {
  if (!assetId) return null;
  const a = await db.kysely.selectFrom('assets').select('name').where('id', '=', assetId).where('client_id', '=', clientId).executeTakeFirst();
  return a?.name ?? null;
}

/** Is the caller's session or token still good? Asked by long-lived streams at each ping. */
async function stillValid(db: Db, p: Principal): Promise<boolean> {
  const now = Date.now();
  if (p.kind === 'token') {
    const t = await db.kysely.selectFrom('api_tokens').select('id').where('id', '=', p.tokenId!).where('revoked_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
    return !!t;
  }
  if (!p.sessionId) return true;
  const s = await db.kysely
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select('s.id')
    .where('s.id', '=', p.sessionId)
    .where('s.expires_at', '>', now)
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst();
  return !!s;
}

const HeartbeatParams = z.object({
  /** The secret of the heartbeat check's push URL. */
  token: z.string().min(8).max(200),
});
const HeartbeatInput = z.object({
  /** What the job reports: up (default), degraded or down (a failed backup). */
  status: z.enum(['up', 'degraded', 'down']).optional(),
  /** A short message kept with the result ("backup OK, 12 GB", "rsync exit 23"). */
  msg: z.string().max(2000).optional(),
});

/**
 * Supervision: checks and their history, heartbeat pushes, maintenance windows, the live board
 * and its event stream, per-client availability.
 */
export async function monitoringRoutes(app: App, { db, config }: Deps) {
  const read = (req: FastifyRequest, clientId: string) => monitoringPolicy.authorize(principalOf(req), 'monitoring.read', clientId);

  // ------------------------------------------------------------ checks

  app.get('/clients/:clientId/checks', { schema: { tags: TAGS, params: ClientParams, querystring: CheckListQuery } }, async (req) => {
    read(req, req.params.clientId);
    let q = db.kysely
      .selectFrom('checks as c')
      .leftJoin('assets as a', 'a.id', 'c.asset_id')
      .selectAll('c')
      .select('a.name as asset_name')
      .where('c.client_id', '=', req.params.clientId)
      .orderBy('c.name')
      .orderBy('c.id');
    if (req.query.asset_id) q = q.where('c.asset_id', '=', req.query.asset_id);
    if (req.query.state) q = q.where('c.state', '=', req.query.state);
    const rows = await q.execute();
    return { items: rows.map(({ asset_name, ...c }) => presentCheckView(c, asset_name)) };
  });

  app.post('/clients/:clientId/checks', { schema: { tags: TAGS, params: ClientParams, body: CheckCreateBody } }, async (req, reply) => {
    const p = principalOf(req);
    monitoringPolicy.authorize(p, 'checks.write', req.params.clientId);
    const { check, heartbeatSecret } = await svc.createCheck(db, auditContext(p), req.params.clientId, req.body);
    const view = presentCheckView(check, await assetNameOf(db, check.client_id, check.asset_id));
    // The push URL's secret is shown this once: only its hash is kept.
    const heartbeat = heartbeatSecret ? { heartbeat_url: `${config.publicUrl.replace(/\/+$/, '')}/api/v1/heartbeat/${heartbeatSecret}` } : {};
    return reply.code(201).send({ ...view, ...heartbeat });
  });

  app.get('/clients/:clientId/checks/:checkId', { schema: { tags: TAGS, params: CheckParams } }, async (req) => {
    read(req, req.params.clientId);
    const c = await svc.getCheck(db, req.params.clientId, req.params.checkId);
    return presentCheckView(c, await assetNameOf(db, c.client_id, c.asset_id));
  });

  app.patch('/clients/:clientId/checks/:checkId', { schema: { tags: TAGS, params: CheckParams, body: CheckPatchBody } }, async (req) => {
    const p = principalOf(req);
    monitoringPolicy.authorize(p, 'checks.write', req.params.clientId);
    const c = await svc.updateCheck(db, auditContext(p), req.params.clientId, req.params.checkId, req.body);
    return presentCheckView(c, await assetNameOf(db, c.client_id, c.asset_id));
  });

  app.delete('/clients/:clientId/checks/:checkId', { schema: { tags: TAGS, params: CheckParams } }, async (req) => {
    const p = principalOf(req);
    monitoringPolicy.authorize(p, 'checks.write', req.params.clientId);
    await svc.deleteCheck(db, auditContext(p), req.params.clientId, req.params.checkId);
    return { ok: true };
  });

  // ------------------------------------------------------------ a check's history

  app.get('/clients/:clientId/checks/:checkId/periods', { schema: { tags: TAGS, params: CheckParams, querystring: RangeQuery } }, async (req) => {
    read(req, req.params.clientId);
    await svc.getCheck(db, req.params.clientId, req.params.checkId);
    const { from, to } = rangeOf(req.query);
    const periods = await svc.periodsOf(db, req.params.clientId, req.params.checkId, from, to);
    return { items: toPeriods(periods).map((p) => ({ state: p.state, from: p.from, to: p.to, cause: p.cause })) };
  });

  app.get('/clients/:clientId/checks/:checkId/availability', { schema: { tags: TAGS, params: CheckParams, querystring: RangeQuery } }, async (req) => {
    read(req, req.params.clientId);
    await svc.getCheck(db, req.params.clientId, req.params.checkId);
    const { from, to, now } = rangeOf(req.query);
    const periods = toPeriods(await svc.periodsOf(db, req.params.clientId, req.params.checkId, from, to));
    return { from, to, ...presentAvailability(availability(periods, { from, to }, { now })) };
  });

  app.get('/clients/:clientId/checks/:checkId/results', { schema: { tags: TAGS, params: CheckParams, querystring: RangeQuery } }, async (req) => {
    read(req, req.params.clientId);
    const c = await svc.getCheck(db, req.params.clientId, req.params.checkId);
    const { from, to, now } = rangeOf(req.query);
    return { from, to, ...(await readResultSeries(db, c.no, from, to, now)) };
  });

  app.get('/clients/:clientId/availability', { schema: { tags: TAGS, params: ClientParams, querystring: RangeQuery } }, async (req) => {
    read(req, req.params.clientId);
    const { from, to, now } = rangeOf(req.query);
    return clientAvailability(db, req.params.clientId, from, to, now);
  });

  // ------------------------------------------------------------ heartbeat push (public: the secret in the URL is the credential)

  await app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    // Shell jobs call it with curl: accept form fields (`-d status=down`) and a bare text message too.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
    scope.removeContentTypeParser('text/plain');
    scope.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => {
      const text = String(body).trim();
      done(null, text ? { msg: text } : {});
    });
    const limited = {
      public: true,
      rateLimit: { max: 60, timeWindow: 60_000, keyGenerator: (req: FastifyRequest) => `hb:${sha256(String((req.params as { token?: string }).token ?? ''))}` },
    };
    const beat = async (token: string, input: z.infer<typeof HeartbeatInput>) => {
      const c = await db.kysely.selectFrom('checks').select(['id', 'type', 'enabled', 'state']).where('heartbeat_token_hash', '=', sha256(token)).executeTakeFirst();
      if (!c || c.type !== 'heartbeat') throw new AppError(404, 'unknown_heartbeat', 'No heartbeat check has this URL');
      // A paused check records nothing; the job calling it must not fail for that.
      if (c.enabled !== 1) return { ok: true, state: c.state, recorded: false };
      const status = input.status ?? 'up';
      const message = input.msg?.trim() || (status === 'up' ? 'beat received' : `reported ${status}`);
      await applyResults(db, [{ checkId: c.id, at: Date.now(), status, latencyMs: null, message }]);
      const after = await db.kysely.selectFrom('checks').select('state').where('id', '=', c.id).executeTakeFirstOrThrow();
      return { ok: true, state: after.state, recorded: true };
    };
    scope.get('/heartbeat/:token', { schema: { tags: TAGS, params: HeartbeatParams, querystring: HeartbeatInput, security: [] }, config: limited }, async (req) => beat(req.params.token, req.query));
    scope.post('/heartbeat/:token', { schema: { tags: TAGS, params: HeartbeatParams, querystring: HeartbeatInput, body: HeartbeatInput.nullish(), security: [] }, config: limited }, async (req) =>
      beat(req.params.token, { ...req.query, ...(req.body ?? {}) }),
    );
  });

  // ------------------------------------------------------------ maintenance windows

  app.get('/clients/:clientId/maintenance-windows', { schema: { tags: TAGS, params: ClientParams, querystring: mw.WindowListQuery } }, async (req) => {
    read(req, req.params.clientId);
    return { items: await mw.presentWindows(db, await mw.listWindows(db, req.params.clientId, req.query)) };
  });

  app.post('/clients/:clientId/maintenance-windows', { schema: { tags: TAGS, params: ClientParams, body: mw.WindowCreateBody } }, async (req, reply) => {
    const p = principalOf(req);
    monitoringPolicy.authorize(p, 'maintenance.write', req.params.clientId);
    const row = await mw.createWindow(db, auditContext(p), req.params.clientId, req.body);
    return reply.code(201).send((await mw.presentWindows(db, [row]))[0]);
  });

  app.get('/clients/:clientId/maintenance-windows/:windowId', { schema: { tags: TAGS, params: mw.WindowParams } }, async (req) => {
    read(req, req.params.clientId);
    return (await mw.presentWindows(db, [await mw.getWindow(db, req.params.clientId, req.params.windowId)]))[0];
  });

  app.patch('/clients/:clientId/maintenance-windows/:windowId', { schema: { tags: TAGS, params: mw.WindowParams, body: mw.WindowPatchBody } }, async (req) => {
    const p = principalOf(req);
    monitoringPolicy.authorize(p, 'maintenance.write', req.params.clientId);
    const row = await mw.updateWindow(db, auditContext(p), req.params.clientId, req.params.windowId, req.body);
    return (await mw.presentWindows(db, [row]))[0];
  });

  app.delete('/clients/:clientId/maintenance-windows/:windowId', { schema: { tags: TAGS, params: mw.WindowParams } }, async (req) => {
    const p = principalOf(req);
    monitoringPolicy.authorize(p, 'maintenance.write', req.params.clientId);
    await mw.deleteWindow(db, auditContext(p), req.params.clientId, req.params.windowId);
    return { ok: true };
  });

  app.get('/clients/:clientId/maintenance-windows/:windowId/occurrences', { schema: { tags: TAGS, params: mw.WindowParams, querystring: RangeQuery } }, async (req) => {
    read(req, req.params.clientId);
    const row = await mw.getWindow(db, req.params.clientId, req.params.windowId);
    // Default: the coming 30 days.
    const { from, to } = rangeOf(req.query, { defaultFrom: Date.now(), defaultSpan: 30 * DAY, maxSpan: 400 * DAY });
    return { from, to, items: mw.windowOccurrences(row, from, to).map((o) => ({ start: o.start, end: o.end })) };
  });

  // ------------------------------------------------------------ live board

  app.get('/clients/:clientId/monitoring/board', { schema: { tags: TAGS, params: ClientParams } }, async (req) => {
    read(req, req.params.clientId);
    return loadBoard(db, req.params.clientId);
  });

  const streams = new Set<{ close: () => void }>();
  // Open streams would hold the server open on shutdown: end them first.
  app.addHook('preClose', async () => {
    for (const s of streams) s.close();
  });

  app.get('/clients/:clientId/monitoring/events', { schema: { tags: TAGS, params: ClientParams, produces: ['text/event-stream'] } }, async (req, reply) => {
    const p = principalOf(req);
    monitoringPolicy.authorize(p, 'monitoring.read', req.params.clientId);
    if (!wantsEventStream(req.raw)) {
      // Not an EventSource: a finished, empty stream that says how to ask for the live one.
      return reply.type('text/event-stream; charset=utf-8').header('cache-control', 'no-store').send(': send "Accept: text/event-stream" to receive live state changes\n\n');
    }
    reply.hijack();
    const stream = openLiveStream(db, req.params.clientId, req.raw, reply.raw, { stillAllowed: () => stillValid(db, p) });
    streams.add(stream);
    void stream.done.then(() => streams.delete(stream));
  });
}
