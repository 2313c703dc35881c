import type { FastifyRequest } from 'fastify';
import type { App, Deps } from '../../app/server.ts';
import { principalOf } from '../../app/auth.ts';
import { badRequest } from '../../core/errors.ts';
import { auditContext } from '../tenancy/principal.ts';
import { oncallPolicy } from './policy.ts';
import { AckParams, ClientParams, ContractShiftParams, RotationBody, ShiftCreateBody, ShiftListQuery, ShiftParams, ShiftPatchBody, StatsQuery, TicketParams } from './schema.ts';
import * as svc from './service.ts';

const TAGS = ['oncall'];
const DAY = 86_400_000;

/** On-call duty: the rota per contract, who is on duty now, acknowledgements (link and app) and the efficiency figures. */
export function oncallRoutes(app: App, { db, config }: Deps) {
  app.get('/clients/:clientId/contracts/:contractId/oncall-shifts', { schema: { tags: TAGS, params: ContractShiftParams, querystring: ShiftListQuery } }, async (req) => {
    oncallPolicy.authorize(principalOf(req), 'oncall.read', req.params.clientId);
    const from = req.query.from ?? Date.now();
    const to = req.query.to ?? from + 90 * DAY;
    if (to <= from) throw badRequest('bad_range', '`to` must be after `from`');
    return { items: (await svc.listShifts(db, req.params.clientId, req.params.contractId, from, to)).map(svc.presentShift) };
  });

  app.post('/clients/:clientId/contracts/:contractId/oncall-shifts', { schema: { tags: TAGS, params: ContractShiftParams, body: ShiftCreateBody } }, async (req, reply) => {
    const p = principalOf(req);
    oncallPolicy.authorize(p, 'oncall.write', req.params.clientId);
    return reply.code(201).send(svc.presentShift(await svc.createShift(db, auditContext(p), req.params.clientId, req.params.contractId, req.body)));
  });

  app.post('/clients/:clientId/contracts/:contractId/oncall-shifts/rotation', { schema: { tags: TAGS, params: ContractShiftParams, body: RotationBody } }, async (req, reply) => {
    const p = principalOf(req);
    oncallPolicy.authorize(p, 'oncall.write', req.params.clientId);
    const shifts = await svc.createRotation(db, auditContext(p), req.params.clientId, req.params.contractId, req.body);
    return reply.code(201).send({ items: shifts.map(svc.presentShift) });
  });

  app.get('/clients/:clientId/contracts/:contractId/oncall-webhook', { schema: { tags: TAGS, params: ContractShiftParams } }, async (req) => {
    oncallPolicy.authorize(principalOf(req), 'oncall.read', req.params.clientId);
    return svc.webhookInfo(db, req.params.clientId, req.params.contractId);
  });

  // The signing secret of the contract's on-call webhook (X-Vigie-Signature): shown here once.
  app.post('/clients/:clientId/contracts/:contractId/oncall-webhook/secret', { schema: { tags: TAGS, params: ContractShiftParams } }, async (req) => {
    const p = principalOf(req);
    oncallPolicy.authorize(p, 'oncall.write', req.params.clientId);
    return svc.rotateWebhookSecret(db, auditContext(p), req.params.clientId, req.params.contractId);
  });

  app.patch('/clients/:clientId/oncall-shifts/:shiftId', { schema: { tags: TAGS, params: ShiftParams, body: ShiftPatchBody } }, async (req) => {
    const p = principalOf(req);
    oncallPolicy.authorize(p, 'oncall.write', req.params.clientId);
    return svc.presentShift(await svc.updateShift(db, auditContext(p), req.params.clientId, req.params.shiftId, req.body));
  });

  app.delete('/clients/:clientId/oncall-shifts/:shiftId', { schema: { tags: TAGS, params: ShiftParams } }, async (req, reply) => {
    const p = principalOf(req);
    oncallPolicy.authorize(p, 'oncall.write', req.params.clientId);
    await svc.deleteShift(db, auditContext(p), req.params.clientId, req.params.shiftId);
    return reply.code(204).send();
  });

  app.get('/clients/:clientId/oncall/now', { schema: { tags: TAGS, params: ClientParams } }, async (req) => {
    oncallPolicy.authorize(principalOf(req), 'oncall.read', req.params.clientId);
    return svc.onDutyNow(db, req.params.clientId, Date.now());
  });

  app.get('/clients/:clientId/oncall/roster', { schema: { tags: TAGS, params: ClientParams } }, async (req) => {
    oncallPolicy.authorize(principalOf(req), 'oncall.read', req.params.clientId);
    return { items: await svc.listRoster(db, req.params.clientId) };
  });

  app.get('/clients/:clientId/oncall/stats', { schema: { tags: TAGS, params: ClientParams, querystring: StatsQuery } }, async (req) => {
    oncallPolicy.authorize(principalOf(req), 'oncall.read', req.params.clientId);
    const to = req.query.to ?? Date.now();
    const from = req.query.from ?? to - 30 * DAY;
    if (to <= from) throw badRequest('bad_range', '`to` must be after `from`');
    if (to - from > 400 * DAY) throw badRequest('range_too_long', 'At most 400 days at a time');
    return svc.oncallStats(db, req.params.clientId, from, to);
  });

  app.post('/clients/:clientId/tickets/:ticketId/oncall-ack', { schema: { tags: TAGS, params: TicketParams } }, async (req) => {
    const p = principalOf(req);
    oncallPolicy.authorize(p, 'oncall.ack', req.params.clientId);
    return svc.ackInApp(db, auditContext(p), p.userId, req.params.clientId, req.params.ticketId);
  });

  // The acknowledgement link of a page's e-mail: public, the token in the path is the credential.
  const limited = {
    public: true,
    rateLimit: { max: config.loginRateLimit.max, timeWindow: config.loginRateLimit.windowMs, keyGenerator: (req: FastifyRequest) => `oncall-ack:${req.ip}` },
  };
  app.get('/oncall/ack/:token', { schema: { tags: TAGS, params: AckParams, security: [] }, config: limited }, async (req) => svc.pageByToken(db, req.params.token));
  app.post('/oncall/ack/:token', { schema: { tags: TAGS, params: AckParams, security: [] }, config: limited }, async (req) => svc.ackByToken(db, req.params.token, req.ip));
}
