import type { App, Deps } from '../../app/server.ts';
import { principalOf } from '../../app/auth.ts';
import { notFound } from '../../core/errors.ts';
import { sendRuleTest } from '../notifications/service.ts';
import { auditContext } from '../tenancy/principal.ts';
import { alertPolicy } from './alert-policy.ts';
import * as rules from './alert-rules.ts';
import { AlertListQuery, AlertRuleCreateBody, AlertRuleParams, AlertRulePatchBody, ClientParams } from './alert-schema.ts';
import { listAlerts } from './alerting.ts';

const TAGS = ['alerts'];

/** A client's alert rules (email, webhook) and its alert stream with each alert's deliveries. */
export function alertRoutes(app: App, { db, config }: Deps) {
  app.get('/clients/:clientId/alert-rules', { schema: { tags: TAGS, params: ClientParams } }, async (req) => {
    alertPolicy.authorize(principalOf(req), 'alerts.read', req.params.clientId);
    return { items: (await rules.listRules(db, req.params.clientId)).map(rules.presentRule) };
  });

  app.post('/clients/:clientId/alert-rules', { schema: { tags: TAGS, params: ClientParams, body: AlertRuleCreateBody } }, async (req, reply) => {
    const p = principalOf(req);
    alertPolicy.authorize(p, 'alerts.manage', req.params.clientId);
    const r = await rules.createRule(db, auditContext(p), req.params.clientId, req.body);
    // The webhook secret is shown here once; it signs every request (X-Vigie-Signature).
    return reply.code(201).send({ ...rules.presentRule(r.rule), ...(r.secret ? { secret: r.secret } : {}) });
  });

  app.get('/clients/:clientId/alert-rules/:ruleId', { schema: { tags: TAGS, params: AlertRuleParams } }, async (req) => {
    alertPolicy.authorize(principalOf(req), 'alerts.read', req.params.clientId);
    return rules.presentRule(await rules.getRule(db.kysely, req.params.clientId, req.params.ruleId));
  });

  app.patch('/clients/:clientId/alert-rules/:ruleId', { schema: { tags: TAGS, params: AlertRuleParams, body: AlertRulePatchBody } }, async (req) => {
    const p = principalOf(req);
    alertPolicy.authorize(p, 'alerts.manage', req.params.clientId);
    const r = await rules.updateRule(db, auditContext(p), req.params.clientId, req.params.ruleId, req.body);
    return { ...rules.presentRule(r.rule), ...(r.secret ? { secret: r.secret } : {}) };
  });

  app.delete('/clients/:clientId/alert-rules/:ruleId', { schema: { tags: TAGS, params: AlertRuleParams } }, async (req, reply) => {
    const p = principalOf(req);
    alertPolicy.authorize(p, 'alerts.manage', req.params.clientId);
    await rules.deleteRule(db, auditContext(p), req.params.clientId, req.params.ruleId);
    return reply.code(204).send();
  });

  app.post(
    '/clients/:clientId/alert-rules/:ruleId/test',
    {
      schema: { tags: TAGS, params: AlertRuleParams },
      // A test sends a real message: at most 10 a minute per person (or token) and rule.
      config: {
        rateLimit: { max: 10, timeWindow: 60_000, keyGenerator: (req) => `alert-test:${req.principal?.tokenId ?? req.principal?.userId ?? req.ip}:${(req.params as { ruleId?: string }).ruleId ?? ''}` },
      },
    },
    async (req) => {
      const p = principalOf(req);
      alertPolicy.authorize(p, 'alerts.manage', req.params.clientId);
      return sendRuleTest(db, config, auditContext(p), req.params.clientId, req.params.ruleId);
    },
  );

  app.get('/clients/:clientId/alerts', { schema: { tags: TAGS, params: ClientParams, querystring: AlertListQuery } }, async (req) => {
    alertPolicy.authorize(principalOf(req), 'alerts.read', req.params.clientId);
    const client = await db.kysely.selectFrom('organisations').select('id').where('id', '=', req.params.clientId).where('kind', '=', 'client').executeTakeFirst();
    if (!client) throw notFound('client');
    return listAlerts(db, req.params.clientId, req.query);
  });
}
