import type { App, Deps } from '../../app/server.ts';
import { principalOf } from '../../app/auth.ts';
import { notFound } from '../../core/errors.ts';
import { auditContext } from '../tenancy/principal.ts';
import { ClientParams } from '../tenancy/schema.ts';
import { problemsPolicy } from './policy.ts';
import { ProblemCreateBody, ProblemListQuery, ProblemParams } from './schema.ts';
import { createProblem, listProblems, problemIncidents, recurringIncidents, recurringThreshold, RECURRING_WINDOW_MS } from './service.ts';

const TAGS = ['problems'];

/** Recurring incidents per asset, problem tickets that group them, and each problem's incidents. */
export function problemsRoutes(app: App, { db }: Deps) {
  const requireClient = async (clientId: string) => {
    const o = await db.kysely.selectFrom('organisations').select('id').where('id', '=', clientId).where('kind', '=', 'client').executeTakeFirst();
    if (!o) throw notFound('client');
  };

  app.get('/clients/:clientId/problems/recurring', { schema: { tags: TAGS, params: ClientParams } }, async (req) => {
    problemsPolicy.authorize(principalOf(req), 'problems.read', req.params.clientId);
    await requireClient(req.params.clientId);
    const now = Date.now();
    const threshold = await recurringThreshold(db.kysely, req.params.clientId, now);
    return { threshold, window_days: RECURRING_WINDOW_MS / 86_400_000, items: await recurringIncidents(db.kysely, req.params.clientId, now, threshold) };
  });

  app.get('/clients/:clientId/problems', { schema: { tags: TAGS, params: ClientParams, querystring: ProblemListQuery } }, async (req) => {
    problemsPolicy.authorize(principalOf(req), 'problems.read', req.params.clientId);
    await requireClient(req.params.clientId);
    return { items: await listProblems(db, req.params.clientId, req.query) };
  });

  app.post('/clients/:clientId/problems', { schema: { tags: TAGS, params: ClientParams, body: ProblemCreateBody } }, async (req, reply) => {
    const p = principalOf(req);
    problemsPolicy.authorize(p, 'problems.manage', req.params.clientId);
    const u = await db.kysely.selectFrom('users').select('name').where('id', '=', p.userId).executeTakeFirst();
    const actor = { userId: p.kind === 'user' ? p.userId : null, name: p.kind === 'token' ? p.label : (u?.name ?? p.label) };
    return reply.code(201).send(await createProblem(db, auditContext(p), actor, req.params.clientId, req.body));
  });

  app.get('/clients/:clientId/problems/:problemId/incidents', { schema: { tags: TAGS, params: ProblemParams } }, async (req) => {
    problemsPolicy.authorize(principalOf(req), 'problems.read', req.params.clientId);
    return { items: await problemIncidents(db, req.params.clientId, req.params.problemId) };
  });
}
