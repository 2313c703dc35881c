import type { App, Deps } from '../../app/server.ts';
import { principalOf } from '../../app/auth.ts';
import { ownTicketsOnly, satisfactionPolicy } from './policy.ts';
import { ClientParams } from '../tenancy/schema.ts';
import { SatisfactionQuery, SurveyAnswerBody, SurveyTokenParams, TicketSurveyParams } from './schema.ts';
import { answerSurvey, publicSurvey, satisfactionResults, ticketSurvey } from './service.ts';

const TAGS = ['satisfaction'];

/**
 * Satisfaction surveys: the public page's two routes (no login: the token in the path is the
 * credential; rate-limited per address), the client's results and a ticket's survey.
 */
export function satisfactionRoutes(app: App, { db }: Deps) {
  // 60 requests a minute per address: plenty for a person, far too few to guess a token.
  const publicRoute = { public: true, rateLimit: { max: 60, timeWindow: 60_000, keyGenerator: (req: { ip: string }) => `survey:${req.ip}` } };

  app.get('/surveys/:token', { schema: { tags: TAGS, params: SurveyTokenParams, security: [] }, config: publicRoute }, async (req) => publicSurvey(db, req.params.token));

  app.post('/surveys/:token', { schema: { tags: TAGS, params: SurveyTokenParams, body: SurveyAnswerBody, security: [] }, config: publicRoute }, async (req) =>
    answerSurvey(db, req.params.token, req.body, { ip: req.ip }),
  );

  app.get('/clients/:clientId/satisfaction', { schema: { tags: TAGS, params: ClientParams, querystring: SatisfactionQuery } }, async (req) => {
    satisfactionPolicy.authorize(principalOf(req), 'satisfaction.read', req.params.clientId);
    return satisfactionResults(db, req.params.clientId, req.query);
  });

  app.get('/clients/:clientId/tickets/:ticketId/survey', { schema: { tags: TAGS, params: TicketSurveyParams } }, async (req) => {
    const p = principalOf(req);
    satisfactionPolicy.authorize(p, 'survey.read', req.params.clientId);
    return ticketSurvey(db, req.params.clientId, req.params.ticketId, { userId: p.userId, ownOnly: ownTicketsOnly(p, req.params.clientId) });
  });
}
