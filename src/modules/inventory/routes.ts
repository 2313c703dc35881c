import type { App, Deps } from '../../app/server.ts';
import { principalOf } from '../../app/auth.ts';
import { auditContext } from '../tenancy/principal.ts';
import { inventoryPolicy } from './policy.ts';
import * as T from './schema.ts';
import * as svc from './service.ts';

/** Sites, assets and relations of a client; CSV import (with preview) and export. */
export function inventoryRoutes(app: App, { db }: Deps) {
  // ------------------------------------------------------------ sites

  app.get('/clients/:clientId/sites', { schema: { tags: ['inventory'], params: T.ClientParams } }, async (req) => {
    inventoryPolicy.authorize(principalOf(req), 'inventory.read', req.params.clientId);
    return { items: await svc.listSites(db, req.params.clientId) };
  });

  app.post('/clients/:clientId/sites', { schema: { tags: ['inventory'], params: T.ClientParams, body: T.SiteCreateBody } }, async (req, reply) => {
    const p = principalOf(req);
    inventoryPolicy.authorize(p, 'inventory.write', req.params.clientId);
    return reply.code(201).send(await svc.createSite(db, auditContext(p), req.params.clientId, req.body));
  });

  app.get('/clients/:clientId/sites/:siteId', { schema: { tags: ['inventory'], params: T.SiteParams } }, async (req) => {
    inventoryPolicy.authorize(principalOf(req), 'inventory.read', req.params.clientId);
    return svc.getSite(db, req.params.clientId, req.params.siteId);
  });

  app.patch('/clients/:clientId/sites/:siteId', { schema: { tags: ['inventory'], params: T.SiteParams, body: T.SitePatchBody } }, async (req) => {
    const p = principalOf(req);
    inventoryPolicy.authorize(p, 'inventory.write', req.params.clientId);
    return svc.updateSite(db, auditContext(p), req.params.clientId, req.params.siteId, req.body);
  });

  app.delete('/clients/:clientId/sites/:siteId', { schema: { tags: ['inventory'], params: T.SiteParams } }, async (req) => {
    const p = principalOf(req);
    inventoryPolicy.authorize(p, 'inventory.write', req.params.clientId);
    return svc.deleteSite(db, auditContext(p), req.params.clientId, req.params.siteId);
  });

  // ------------------------------------------------------------ assets

  app.get('/clients/:clientId/assets', { schema: { tags: ['inventory'], params: T.ClientParams, querystring: T.AssetListQuery } }, async (req) => {
    inventoryPolicy.authorize(principalOf(req), 'inventory.read', req.params.clientId);
    return svc.listAssets(db, req.params.clientId, req.query);
  });

  app.post('/clients/:clientId/assets', { schema: { tags: ['inventory'], params: T.ClientParams, body: T.AssetCreateBody } }, async (req, reply) => {
    const p = principalOf(req);
    inventoryPolicy.authorize(p, 'inventory.write', req.params.clientId);
    return reply.code(201).send(await svc.createAsset(db, auditContext(p), req.params.clientId, req.body));
  });

  // Static paths (export, import) are matched before /assets/:assetId.
  app.get('/clients/:clientId/assets/export', { schema: { tags: ['inventory'], params: T.ClientParams, querystring: T.AssetExportQuery } }, async (req, reply) => {
    const p = principalOf(req);
    inventoryPolicy.authorize(p, 'inventory.export', req.params.clientId);
    const { csv } = await svc.exportAssets(db, auditContext(p), req.params.clientId, req.query);
    const day = new Date().toISOString().slice(0, 10);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="inventory-${day}.csv"`)
      .header('cache-control', 'no-store')
      .send(csv);
  });

  app.post('/clients/:clientId/assets/import', { schema: { tags: ['inventory'], params: T.ClientParams, body: T.ImportBody } }, async (req) => {
    const p = principalOf(req);
    inventoryPolicy.authorize(p, 'inventory.import', req.params.clientId);
    return svc.importAssets(db, auditContext(p), req.params.clientId, req.body);
  });

  app.post('/clients/:clientId/assets/import/preview', { schema: { tags: ['inventory'], params: T.ClientParams, body: T.ImportPreviewBody } }, async (req) => {
    inventoryPolicy.authorize(principalOf(req), 'inventory.import', req.params.clientId);
    return svc.previewImport(req.body);
  });

  app.get('/clients/:clientId/assets/:assetId', { schema: { tags: ['inventory'], params: T.AssetParams } }, async (req) => {
    inventoryPolicy.authorize(principalOf(req), 'inventory.read', req.params.clientId);
    return svc.getAsset(db, req.params.clientId, req.params.assetId);
  });

  app.patch('/clients/:clientId/assets/:assetId', { schema: { tags: ['inventory'], params: T.AssetParams, body: T.AssetPatchBody } }, async (req) => {
    const p = principalOf(req);
    inventoryPolicy.authorize(p, 'inventory.write', req.params.clientId);
    return svc.updateAsset(db, auditContext(p), req.params.clientId, req.params.assetId, req.body);
  });

  app.delete('/clients/:clientId/assets/:assetId', { schema: { tags: ['inventory'], params: T.AssetParams } }, async (req) => {
    const p = principalOf(req);
    inventoryPolicy.authorize(p, 'inventory.write', req.params.clientId);
    return svc.deleteAsset(db, auditContext(p), req.params.clientId, req.params.assetId);
  });

  // ------------------------------------------------------------ relations

  app.post('/clients/:clientId/assets/:assetId/relations', { schema: { tags: ['inventory'], params: T.AssetParams, body: T.RelationCreateBody } }, async (req, reply) => {
    const p = principalOf(req);
    inventoryPolicy.authorize(p, 'inventory.write', req.params.clientId);
    return reply.code(201).send(await svc.createRelation(db, auditContext(p), req.params.clientId, req.params.assetId, req.body));
  });

  app.delete('/clients/:clientId/relations/:relationId', { schema: { tags: ['inventory'], params: T.RelationParams } }, async (req) => {
    const p = principalOf(req);
    inventoryPolicy.authorize(p, 'inventory.write', req.params.clientId);
    return svc.deleteRelation(db, auditContext(p), req.params.clientId, req.params.relationId);
  });
}
