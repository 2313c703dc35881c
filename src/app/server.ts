import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { LogController, type FastifyInstance, type FastifyBaseLogger, type RawServerDefault, type FastifyError } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { AppError, errorBody } from '../core/errors.ts';
import type { Db } from '../db/database.ts';
import type { Config } from './config.ts';
import { authHook } from './auth.ts';
import { createMetrics } from './metrics.ts';
import { tenancyRoutes } from '../modules/tenancy/routes.ts';
import { journalRoutes } from '../modules/journal/routes.ts';
import { inventoryRoutes } from '../modules/inventory/routes.ts';
import { alertRoutes } from '../modules/monitoring/alert-routes.ts';
import { monitoringRoutes } from '../modules/monitoring/routes.ts';
import { collectorRoutes } from '../modules/monitoring/collector-routes.ts';
import { servicedeskRoutes } from '../modules/servicedesk/routes.ts';
import { contractRoutes } from '../modules/contracts/routes.ts';
import { oncallRoutes } from '../modules/oncall/routes.ts';
import { satisfactionRoutes } from '../modules/satisfaction/routes.ts';
import { problemsRoutes } from '../modules/problems/routes.ts';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

export interface Deps {
  readonly db: Db;
  readonly config: Config;
}

/** Each module contributes its routes under /api/v1 through one function. */
export type RouteModule = (app: App, deps: Deps) => void | Promise<void>;

const MODULES: RouteModule[] = [tenancyRoutes, journalRoutes, inventoryRoutes, monitoringRoutes, collectorRoutes, alertRoutes, contractRoutes, satisfactionRoutes, servicedeskRoutes, oncallRoutes, problemsRoutes];

/** Assembles the HTTP server: API, OpenAPI, health, metrics and the web app. */
export async function buildServer(deps: Deps, opts: { logger?: boolean | object } = {}): Promise<App> {
  const app = Fastify({
    logger: opts.logger ?? { level: deps.config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]'] },
    trustProxy: process.env.VIGIE_TRUST_PROXY === '1',
    bodyLimit: 20 * 1024 * 1024,
    logController: new LogController({ disableRequestLogging: process.env.VIGIE_REQUEST_LOGS !== '1' }),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const metrics = createMetrics();
  app.addHook('onResponse', async (req, reply) => {
    metrics.httpDuration.observe({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof AppError) return reply.code(err.status).send(errorBody(err.id, err.message, err.details));
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => ({ path: v.instancePath || '/', message: v.message, where: err.validationContext }));
      return reply.code(400).send(errorBody('validation_failed', `Invalid ${err.validationContext ?? 'input'}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues));
    }
    const status = err.statusCode ?? 500;
    if (status === 429) return reply.code(429).send(errorBody('rate_limited', 'Too many attempts; wait a minute and try again'));
    if (status >= 400 && status < 500) {
      const id = err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError ? 'invalid_json' : (err.code ?? 'bad_request').toLowerCase().replace(/^fst_err_/, '');
      return reply.code(status).send(errorBody(id, err.message));
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send(errorBody('internal_error', 'Internal error; it has been logged'));
  });

  await app.register(cookie);
  await app.register(rateLimit, { global: false, hook: 'preHandler' });
  await app.register(multipart, { limits: { fileSize: 20 * 1024 * 1024, files: 1 } });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Vigie API', version: '1', description: 'Managed-services contract platform. Authenticate with the session cookie (web) or `Authorization: Bearer <token>`.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, cookie: { type: 'apiKey', in: 'cookie', name: 'vigie_session' } } },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  app.get('/api/openapi.json', { schema: { hide: true }, config: { public: true } }, async () => app.swagger());
  app.get('/healthz', { schema: { hide: true }, config: { public: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true }, config: { public: true } }, async (_req, reply) => {
    try {
      await sql`select 1`.execute(deps.db.kysely);
      return { status: 'ready', database: deps.db.dialect };
    } catch {
      return reply.code(503).send(errorBody('database_unavailable', 'The database does not answer'));
    }
  });
  app.get('/metrics', { schema: { hide: true }, config: { public: true } }, async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  await app.register(
    async (api) => {
      api.addHook('onRequest', authHook(deps.db));
      for (const m of MODULES) await m(api as App, deps);
    },
    { prefix: '/api/v1' },
  );

  const indexFile = join(deps.config.webDir, 'index.html');
  const hasWeb = existsSync(indexFile);
  if (hasWeb) {
    await app.register(fastifyStatic, { root: deps.config.webDir, prefix: '/', wildcard: false, index: false });
  }
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/') || req.method !== 'GET') {
      return reply.code(404).send(errorBody('route_not_found', `No route ${req.method} ${req.url.split('?')[0]}`));
    }
    // Read at each navigation (a few KB): a rebuilt web app is served without a restart.
    if (!hasWeb || !existsSync(indexFile)) return reply.code(503).type('text/plain').send('The web app is not built: run `npm start` (it builds it) or `npm run build:web`.');
    return reply.type('text/html').header('cache-control', 'no-cache').send(readFileSync(indexFile, 'utf8'));
  });

  return app;
}
