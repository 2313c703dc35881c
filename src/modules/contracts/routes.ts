import type { App, Deps } from '../../app/server.ts';
import { principalOf } from '../../app/auth.ts';
import { auditContext } from '../tenancy/principal.ts';
import { ClientParams } from '../tenancy/schema.ts';
import { contractPolicy } from './policy.ts';
import { presentContract, presentPreview } from './presenters.ts';
import { ContractBody, ContractParams, ContractPatchBody, ContractPreviewQuery } from './schema.ts';
import * as contracts from './service.ts';

const TAGS = ['contracts'];

/** A client's contracts (service windows, GTI/GTR targets, penalties, credits, matrix, settings) and the due-time preview. */
export function contractRoutes(app: App, { db }: Deps) {
  app.get('/clients/:clientId/contracts', { schema: { tags: TAGS, params: ClientParams } }, async (req) => {
    contractPolicy.authorize(principalOf(req), 'contracts.read', req.params.clientId);
    return { items: (await contracts.listContracts(db, req.params.clientId)).map(presentContract) };
  });

  app.post('/clients/:clientId/contracts', { schema: { tags: TAGS, params: ClientParams, body: ContractBody } }, async (req, reply) => {
    const p = principalOf(req);
    contractPolicy.authorize(p, 'contracts.write', req.params.clientId);
    const c = await contracts.createContract(db, auditContext(p), req.params.clientId, req.body);
    return reply.code(201).send(presentContract(c));
  });

  // The preview of an unsaved draft (the editor): the same answer as a stored contract's, nothing stored.
  app.post('/clients/:clientId/contracts/preview', { schema: { tags: TAGS, params: ClientParams, querystring: ContractPreviewQuery, body: ContractBody } }, async (req) => {
    contractPolicy.authorize(principalOf(req), 'contracts.read', req.params.clientId);
    return presentPreview(await contracts.previewDraft(db, req.params.clientId, req.body, req.query.at ?? Date.now()));
  });

  app.get('/clients/:clientId/contracts/:contractId', { schema: { tags: TAGS, params: ContractParams } }, async (req) => {
    contractPolicy.authorize(principalOf(req), 'contracts.read', req.params.clientId);
    return presentContract(await contracts.getContract(db.kysely, req.params.clientId, req.params.contractId));
  });

  app.patch('/clients/:clientId/contracts/:contractId', { schema: { tags: TAGS, params: ContractParams, body: ContractPatchBody } }, async (req) => {
    const p = principalOf(req);
    contractPolicy.authorize(p, 'contracts.write', req.params.clientId);
    return presentContract(await contracts.updateContract(db, auditContext(p), req.params.clientId, req.params.contractId, req.body));
  });

  app.delete('/clients/:clientId/contracts/:contractId', { schema: { tags: TAGS, params: ContractParams } }, async (req, reply) => {
    const p = principalOf(req);
    contractPolicy.authorize(p, 'contracts.write', req.params.clientId);
    await contracts.deleteContract(db, auditContext(p), req.params.clientId, req.params.contractId);
    return reply.code(204).send();
  });

  // For each target priority, when a ticket declared at `at` (default now) would be due; each window's next 7 days.
  app.get('/clients/:clientId/contracts/:contractId/preview', { schema: { tags: TAGS, params: ContractParams, querystring: ContractPreviewQuery } }, async (req) => {
    contractPolicy.authorize(principalOf(req), 'contracts.read', req.params.clientId);
    return presentPreview(await contracts.previewStoredContract(db, req.params.clientId, req.params.contractId, req.query.at ?? Date.now()));
  });
}
