import type { FastifyRequest } from 'fastify';
import type { App, Deps } from '../../app/server.ts';
import { principalOf } from '../../app/auth.ts';
import { auditContext } from '../tenancy/principal.ts';
import { collectorPolicy } from './collector-policy.ts';
import * as T from './collector-schema.ts';
import * as svc from './collector-service.ts';

/**
 * Site collectors: their management by people (client-scoped), and the protocol the collectors
 * themselves speak (outbound from the site: pull checks, push results). The protocol routes are
 * public to the session and API-token layer and authenticate the collector's own token, before the
 * body is even read.
 */
export function collectorRoutes(app: App, { db }: Deps) {
  // ------------------------------------------------------------ management

  app.get('/clients/:clientId/collectors', { schema: { tags: ['collectors'], params: T.ClientParams } }, async (req) => {
    collectorPolicy.authorize(principalOf(req), 'collector.read', req.params.clientId);
    return { items: await svc.listCollectors(db, req.params.clientId) };
  });

  app.post('/clients/:clientId/collectors', { schema: { tags: ['collectors'], params: T.ClientParams, body: T.CollectorCreateBody } }, async (req, reply) => {
    const p = principalOf(req);
    collectorPolicy.authorize(p, 'collector.manage', req.params.clientId);
    const { collector, token } = await svc.createCollector(db, auditContext(p), req.params.clientId, req.body);
    // The token is shown here once; only its SHA-256 is kept.
    return reply.code(201).header('cache-control', 'no-store').send({ ...collector, token });
  });

  app.get('/clients/:clientId/collectors/:collectorId', { schema: { tags: ['collectors'], params: T.CollectorParams } }, async (req) => {
    collectorPolicy.authorize(principalOf(req), 'collector.read', req.params.clientId);
    return svc.getCollector(db, req.params.clientId, req.params.collectorId);
  });

  app.delete('/clients/:clientId/collectors/:collectorId', { schema: { tags: ['collectors'], params: T.CollectorParams } }, async (req) => {
    const p = principalOf(req);
    collectorPolicy.authorize(p, 'collector.manage', req.params.clientId);
    return svc.revokeCollector(db, auditContext(p), req.params.clientId, req.params.collectorId);
  });

  // ------------------------------------------------------------ protocol

  const collectorOf = new WeakMap<FastifyRequest, svc.CollectorRow>();
  const authenticate = async (req: FastifyRequest) => {
    collectorOf.set(req, await svc.authenticateCollector(db, req.headers.authorization));
  };
  const report = (req: FastifyRequest) => {
    const v = req.headers[T.COLLECTOR_VERSION_HEADER];
    const b = Number(req.headers[T.COLLECTOR_BACKLOG_HEADER]);
    return { version: typeof v === 'string' ? v : null, backlog: Number.isSafeInteger(b) && b >= 0 ? b : null };
  };

  app.get(
    '/collector/checks',
    { schema: { tags: ['collector protocol'], security: [{ bearer: [] }] }, config: { public: true }, onRequest: authenticate },
    async (req, reply) => {
      const c = collectorOf.get(req)!;
      const { checks, version } = await svc.collectorChecks(db, c);
      await svc.recordContact(db, c.id, report(req));
      const etag = `"${version}"`;
      reply.header('etag', etag).header('cache-control', 'no-cache').header(T.LAST_SEQ_HEADER, String(Number(c.last_seq)));
      if (req.headers['if-none-match'] === etag) return reply.code(304).send();
      return { collector_id: c.id, poll_s: svc.CONFIG_POLL_S, version, checks };
    },
  );

  app.post(
    '/collector/results',
    {
      schema: { tags: ['collector protocol'], security: [{ bearer: [] }], body: T.ResultsBatchBody },
      config: { public: true },
      bodyLimit: T.RESULTS_BODY_LIMIT,
      onRequest: authenticate,
    },
    async (req, reply) => {
      const c = collectorOf.get(req)!;
      const { refusedChecks, ...answer } = await svc.ingestCollectorBatch(db, c, req.body);
      if (answer.refused > 0) req.log.warn({ collector: c.id, seq: req.body.seq, refused: answer.refused, checks: refusedChecks.slice(0, 20) }, 'collector results refused: checks not assigned to it');
      await svc.recordContact(db, c.id, { ...report(req), seq: req.body.seq });
      reply.header(T.LAST_SEQ_HEADER, String(Math.max(Number(c.last_seq), req.body.seq)));
      return answer;
    },
  );
}
