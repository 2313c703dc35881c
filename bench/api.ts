// `npm run bench:api`: the asset API under a fixed load, on a scratch SQLite database of 100,000 assets.
//
// Seeds 50 clients × 2,000 assets (3 sites each) by bulk insert, starts the real server on a free
// loopback port, signs in as a user of client #17, then drives a mix of list (plain, search, sort,
// cursor) and detail requests at a fixed overall rate from a separate process (bench/load.mjs).
// Progress goes to stdout; the last line is one JSON of figures.
//
// Reading the figures: autocannon's overallRate gives each connection a quota per second that it
// sends back to back, so while the server is busy about `connections` requests wait in line and
// p50 ≈ connections × CPU per request. The "deep page" lines, taken one request at a time, show
// the service time itself. The server's CPU per request is the steadiest figure on a shared machine.
//
// Environment: BENCH_SECONDS (20), BENCH_RATE (1000 req/s), BENCH_CONNECTIONS (20),
// BENCH_WARMUP_SECONDS (2), BENCH_PROFILE=1 (CPU profile of the server during the measured run,
// summary printed, file kept), BENCH_KEEP=1 (keep the scratch folder).
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Session as InspectorSession } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { getJson, mulberry32, runLoad, type Http } from './support.ts';
import { loadConfig } from '../src/app/config.ts';
import { openAndMigrate } from '../src/app/bootstrap.ts';
import { buildServer } from '../src/app/server.ts';
import { newId } from '../src/core/ids.ts';
import { searchTextOf } from '../src/modules/inventory/repository.ts';
import { SYSTEM_CONTEXT } from '../src/modules/journal/service.ts';
import { createClient, createUser } from '../src/modules/tenancy/service.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const PROFILE = process.env.BENCH_PROFILE === '1';
const KEEP = process.env.BENCH_KEEP === '1';

const CLIENTS = 50;
const ASSETS_PER_CLIENT = 2000;
const SITES_PER_CLIENT = 3;
const BENCH_CLIENT = 17; // 1-based: the client whose user drives the load
const PAGE = 50;

const log = (msg: string) => console.log(`[bench:api] ${msg}`);
const ms = (t0: number) => performance.now() - t0;

// ---------------------------------------------------------------- deterministic data

const rnd = mulberry32(17);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

/** Asset types with a name prefix and typical makes. Types as the inventory module accepts them. */
const TYPES: readonly { type: string; prefix: string; weight: number; makes: readonly [string, string][] }[] = [
  { type: 'workstation', prefix: 'PC', weight: 40, makes: [['Dell', 'OptiPlex 7010'], ['HP', 'EliteDesk 800 G9'], ['Lenovo', 'ThinkCentre M90q']] },
  { type: 'server', prefix: 'SRV', weight: 8, makes: [['Dell', 'PowerEdge R650'], ['HPE', 'ProLiant DL380 Gen11']] },
  { type: 'vm', prefix: 'VM', weight: 14, makes: [['VMware', 'ESXi VM'], ['Microsoft', 'Hyper-V VM']] },
  { type: 'switch', prefix: 'SW', weight: 6, makes: [['Cisco', 'Catalyst 9200'], ['HPE Aruba', '2930F']] },
  { type: 'firewall', prefix: 'FW', weight: 2, makes: [['Fortinet', 'FortiGate 60F'], ['Stormshield', 'SN310']] },
  { type: 'router', prefix: 'RT', weight: 2, makes: [['Cisco', 'ISR 1100']] },
  { type: 'access_point', prefix: 'AP', weight: 8, makes: [['Ubiquiti', 'U6 Pro'], ['HPE Aruba', 'AP-505']] },
  { type: 'printer', prefix: 'IMP', weight: 8, makes: [['Brother', 'MFC-L8900'], ['Canon', 'imageRUNNER C3226']] },
  { type: 'nas', prefix: 'NAS', weight: 2, makes: [['Synology', 'RS1221+']] },
  { type: 'ups', prefix: 'UPS', weight: 3, makes: [['APC', 'Smart-UPS 1500'], ['Eaton', '5PX']] },
  { type: 'phone_system', prefix: 'TEL', weight: 1, makes: [['Alcatel-Lucent', 'OXO Connect']] },
  { type: 'cloud_service', prefix: 'CLOUD', weight: 2, makes: [['Microsoft', 'Microsoft 365'], ['OVHcloud', 'Public Cloud']] },
  { type: 'business_application', prefix: 'APP', weight: 2, makes: [['Sage', 'Sage 100'], ['Cegid', 'Cegid XRP']] },
  { type: 'licence', prefix: 'LIC', weight: 1, makes: [['Microsoft', 'Windows Server 2022']] },
  { type: 'backup_system', prefix: 'BKP', weight: 1, makes: [['Veeam', 'Backup & Replication']] },
];
const TYPE_WEIGHT = TYPES.reduce((s, t) => s + t.weight, 0);
function pickType() {
  let r = rnd() * TYPE_WEIGHT;
  for (const t of TYPES) if ((r -= t.weight) < 0) return t;
  return TYPES[0]!;
}
/** Criticality: 1 (most critical) to 4 (least), as the inventory module stores it. */
const CRITICALITY = { min: 1, max: 4 };
const CITIES = ['Lyon', 'Paris', 'Nantes', 'Lille', 'Bordeaux', 'Marseille', 'Toulouse', 'Rennes', 'Grenoble', 'Strasbourg', 'Dijon', 'Rouen'];
const SITE_KINDS = ['Siège', 'Agence', 'Entrepôt'];
const OWNERS = ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Simon', 'Laurent'];
const TAGS = ['prod', 'recette', 'compta', 'rh', 'atelier', 'direction', 'dmz', 'legacy', 'wifi', 'sauvegarde'];

interface Seeded {
  clientIds: string[];
  benchClientId: string;
  benchAssetIds: string[];
  assets: number;
}

/** Clients through the service (journaled, like the product does); sites and assets by bulk insert. */
async function seed(db: Awaited<ReturnType<typeof openAndMigrate>>): Promise<Seeded> {
  const clientIds: string[] = [];
  for (let c = 1; c <= CLIENTS; c++) {
    const org = await createClient(db, SYSTEM_CONTEXT, { name: `Client ${String(c).padStart(2, '0')} SAS`, slug: `client-${c}` });
    clientIds.push(org.id);
  }
  const raw = db.sqlite!;
  const insertSite = raw.prepare(
    'insert into sites (id, client_id, name, address, city, country, notes, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertAsset = raw.prepare(
    `insert into assets (id, client_id, site_id, name, type, criticality, business_impact, owner, location, serial, manufacturer,
       model, ip_address, warranty_end, tags, custom_fields, notes, search_text, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let benchAssetIds: string[] = [];
  let assets = 0;
  const now = Date.now();
  raw.transaction(() => {
    clientIds.forEach((clientId, ci) => {
      const sites: { id: string; city: string }[] = [];
      for (let s = 0; s < SITES_PER_CLIENT; s++) {
        const city = CITIES[(ci + s * 5) % CITIES.length]!;
        const id = newId(now);
        insertSite.run(id, clientId, `${SITE_KINDS[s]} ${city}`, `${1 + s * 12} rue de la République`, city, 'FR', '', now, now);
        sites.push({ id, city });
      }
      const ids: string[] = [];
      for (let a = 0; a < ASSETS_PER_CLIENT; a++) {
        const t = pickType();
        const site = rnd() < 0.95 ? sites[Math.floor(rnd() * sites.length)]! : null;
        const cityCode = (site?.city ?? 'Cloud').slice(0, 3).toUpperCase();
        const name = `${t.prefix}-${cityCode}-${String(a + 1).padStart(4, '0')}`;
        const [manufacturer, model] = pick(t.makes);
        const serial = `${manufacturer.slice(0, 2).toUpperCase()}${(Math.floor(rnd() * 0xffffffff) >>> 0).toString(36).toUpperCase().padStart(7, '0')}`;
        const ip = t.type === 'cloud_service' || t.type === 'licence' || t.type === 'business_application' ? '' : `10.${ci + 1}.${Math.floor(a / 250)}.${(a % 250) + 2}`;
        const tags = [pick(TAGS), ...(rnd() < 0.3 ? [pick(TAGS)] : [])].filter((x, i, xs) => xs.indexOf(x) === i);
        const owner = rnd() < 0.7 ? `${pick(OWNERS)}` : '';
        const location = site ? `${site.city} bureau ${1 + Math.floor(rnd() * 40)}` : '';
        const criticality = CRITICALITY.min + Math.floor(rnd() * (CRITICALITY.max - CRITICALITY.min + 1));
        const warranty = rnd() < 0.6 ? now + Math.floor((rnd() - 0.3) * 3 * 365 * 86400_000) : null;
        const tagsJson = JSON.stringify(tags);
        // The module's own search text (folded name, serial, IP, owner, location, framed tags), so
        // that search and tag filters see exactly what they would after an import.
        const searchText = searchTextOf({ name, serial, ip_address: ip, owner, location, tags: tagsJson });
        const id = newId(now);
        const at = now - Math.floor(rnd() * 365 * 86400_000);
        insertAsset.run(
          id, clientId, site?.id ?? null, name, t.type, criticality, criticality === 1 ? 'Arrêt de production' : '', owner, location, serial, manufacturer,
          model, ip, warranty, tagsJson, '{}', '', searchText, at, at,
        );
        ids.push(id);
        assets++;
      }
      if (ci + 1 === BENCH_CLIENT) benchAssetIds = ids;
    });
  })();
  raw.pragma('optimize');
  return { clientIds, benchClientId: clientIds[BENCH_CLIENT - 1]!, benchAssetIds, assets };
}

// ---------------------------------------------------------------- HTTP helpers



/** Walks a listing from page 1 to the end; returns the query string of every page after the first (with its cursor). */
async function walkCursors(http: Http, listPath: string, maxPages = 1000): Promise<string[]> {
  const paths: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < maxPages; i++) {
    const path: string = cursor ? `${listPath}&cursor=${encodeURIComponent(cursor)}` : listPath;
    const r = await getJson(http, path);
    if (r.status !== 200) throw new Error(`GET ${path} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    if (cursor) paths.push(path);
    cursor = r.body.next_cursor ?? null;
    if (!cursor) break;
  }
  return paths;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}


// ---------------------------------------------------------------- profile summary

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function area(url: string): string {
  if (!url) return '(native/V8)';
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (m) return m[1]!;
  if (url.startsWith('node:')) return 'node core';
  const src = url.match(/\/(src|bench)\/(.*)$/);
  return src ? `${src[1]}/${src[2]}` : url;
}

function summariseProfile(p: Profile) {
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const byNode = new Map(p.nodes.map((n) => [n.id, n]));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFn = new Map<string, number>();
  const byArea = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of self) {
    const n = byNode.get(id)!;
    const f = n.callFrame;
    if (f.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const file = f.url.includes('node_modules/') ? f.url.slice(f.url.lastIndexOf('node_modules/') + 13) : area(f.url);
    const key = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    const a = f.functionName === '(garbage collector)' || f.functionName === '(program)' ? f.functionName : area(f.url);
    byArea.set(a, (byArea.get(a) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  log(`profile: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(2)} s busy (${((100 * busy) / total).toFixed(0)}% of one core)`);
  log('profile, self time by package/file (share of busy time):');
  for (const [a, us] of [...byArea].sort((x, y) => y[1] - x[1]).slice(0, 20)) log(`  ${pct(us)}  ${a}`);
  log('profile, top functions by self time:');
  for (const [f, us] of [...byFn].sort((x, y) => y[1] - x[1]).slice(0, 25)) log(`  ${pct(us)}  ${f}`);
}

// ---------------------------------------------------------------- main

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-bench-api-'));
  const dbFile = join(dir, 'vigie.sqlite');
  log(`scratch database ${dbFile}`);
  let t0 = performance.now();
  const db = await openAndMigrate({ databaseUrl: dbFile });
  log(`migrated in ${ms(t0).toFixed(0)} ms`);

  log(`seeding ${CLIENTS} clients × ${ASSETS_PER_CLIENT} assets (${SITES_PER_CLIENT} sites each)…`);
  t0 = performance.now();
  const seeded = await seed(db);
  const seedS = ms(t0) / 1000;
  log(`seeded ${seeded.assets} assets in ${seedS.toFixed(2)} s; database file ${(statSync(dbFile).size / 1048576).toFixed(1)} MB`);

  const password = 'bench passphrase long enough';
  const email = 'bench.user@client17.test';
  await createUser(db, SYSTEM_CONTEXT, { email, name: 'Bench User', password, organisationId: seeded.benchClientId, roles: ['user'] });

  const config = loadConfig({}, {
    databaseUrl: dbFile,
    dataDir: dir,
    webDir: join(dir, 'no-web'),
    logLevel: 'silent',
    port: 0,
    host: '127.0.0.1',
  });
  const app = await buildServer({ db, config }, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  log(`server listening on ${base}`);

  let exitCode = 0;
  try {
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
    const stage = ((await login.json()) as { stage: string }).stage;
    if (stage !== 'full') throw new Error(`login stopped at stage ${stage}`);
    const session = login.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith('vigie_session='));
    if (!session) throw new Error('login set no session cookie');
    const http: Http = { base, cookie: session };

    // The request mix, built from real responses.
    const cid = seeded.benchClientId;
    const list = `/api/v1/clients/${cid}/assets?limit=${PAGE}`;
    const first = await getJson(http, list);
    if (first.status === 404 && first.body?.error?.id === 'route_not_found') throw new Error('the asset routes are not there yet (GET …/assets → route_not_found)');
    if (first.status !== 200) throw new Error(`GET ${list} → ${first.status} ${JSON.stringify(first.body).slice(0, 300)}`);
    if (!Array.isArray(first.body.items) || first.body.items.length !== PAGE) throw new Error(`GET ${list}: expected ${PAGE} items, got ${JSON.stringify(first.body).slice(0, 300)}`);
    const searches = ['srv', 'lyo', 'prod', 'martin', 'dell', '10.17.3.', 'pc-', 'sauvegarde', 'bureau 12', 'ap-', 'zzz-nothing'];
    const searchPaths = [...searches.map((q) => `${list}&q=${encodeURIComponent(q)}`), `${list}&tag=prod`, `${list}&type=server`];
    const sortPaths = [`${list}&sort=criticality`, ...searches.slice(0, 4).map((q) => `${list}&q=${encodeURIComponent(q)}&sort=criticality`)];
    t0 = performance.now();
    const byName = await walkCursors(http, list);
    const byCrit = await walkCursors(http, `${list}&sort=criticality`);
    const byUpdated = await walkCursors(http, `${list}&sort=updated_at`);
    const bySearch = (await Promise.all(['pc-', 'prod', 'lyo'].map((q) => walkCursors(http, `${list}&q=${encodeURIComponent(q)}`)))).flat();
    const cursorPaths = [...byName, ...byCrit, ...byUpdated, ...bySearch];
    log(`walked cursors in ${ms(t0).toFixed(0)} ms: ${byName.length + 1} pages by name, ${byCrit.length + 1} by criticality, ${byUpdated.length + 1} by updated_at, ${bySearch.length} more in searches`);
    for (const [label, pages] of [['name', byName], ['criticality', byCrit], ['updated_at', byUpdated]] as const) {
      if (pages.length + 1 !== Math.ceil(ASSETS_PER_CLIENT / PAGE)) throw new Error(`paging by ${label} gave ${pages.length + 1} pages, expected ${Math.ceil(ASSETS_PER_CLIENT / PAGE)}`);
    }
    const detailPaths = seeded.benchAssetIds.map((id) => `/api/v1/clients/${cid}/assets/${id}`);
    for (const p of [detailPaths[0]!, detailPaths[detailPaths.length - 1]!, ...searchPaths, ...sortPaths]) {
      const r = await getJson(http, p);
      if (r.status !== 200) throw new Error(`GET ${p} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    }
    const groups = [
      { name: 'detail', weight: 50, paths: detailPaths },
      { name: 'list', weight: 15, paths: [list] },
      { name: 'search', weight: 15, paths: searchPaths },
      { name: 'sort', weight: 8, paths: sortPaths },
      { name: 'cursor', weight: 12, paths: cursorPaths },
    ];
    const spec = { url: base, connections: CONNECTIONS, overallRate: RATE, headers: { cookie: http.cookie, accept: 'application/json' }, groups };
    const specFile = join(dir, 'load.json');

    if (WARMUP_SECONDS > 0) {
      log(`warming up for ${WARMUP_SECONDS} s…`);
      await runLoad({ ...spec, duration: WARMUP_SECONDS }, specFile);
    }

    // Deep pages: the last page of a 2,000-asset client among 100,000 assets against page 1.
    const deepChecks: [string, string, string][] = [
      ['by name', list, byName[byName.length - 1]!],
      ['by criticality', `${list}&sort=criticality`, byCrit[byCrit.length - 1]!],
      ['by updated_at', `${list}&sort=updated_at`, byUpdated[byUpdated.length - 1]!],
    ];
    for (const [label, p1, deep] of deepChecks) {
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < 60; i++) {
        a.push((await getJson(http, p1)).ms);
        b.push((await getJson(http, deep)).ms);
      }
      log(`deep page ${label}: page 1 median ${quantile(a, 0.5).toFixed(2)} ms (p90 ${quantile(a, 0.9).toFixed(2)}), last page median ${quantile(b, 0.5).toFixed(2)} ms (p90 ${quantile(b, 0.9).toFixed(2)}) [sequential, one connection]`);
    }

    let profiler: InspectorSession | null = null;
    if (PROFILE) {
      profiler = new InspectorSession();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
      await profiler.post('Profiler.start');
    }
    const cpu0 = process.cpuUsage();
    log(`running ${SECONDS} s at ${RATE} req/s over ${CONNECTIONS} connections (${groups.map((g) => `${g.name} ${g.weight}%`).join(', ')})…`);
    const r = await runLoad({ ...spec, duration: SECONDS }, specFile);
    const cpu = process.cpuUsage(cpu0);
    if (profiler) {
      const { profile } = (await profiler.post('Profiler.stop')) as { profile: Profile };
      const out = process.env.BENCH_PROFILE_OUT ?? join(tmpdir(), 'vigie-bench-api.cpuprofile');
      writeFileSync(out, JSON.stringify(profile));
      log(`CPU profile written to ${out} (open in Chrome DevTools or speedscope)`);
      summariseProfile(profile);
      profiler.disconnect();
    }

    const rss = process.memoryUsage().rss / 1048576;
    const rps = r.requests / r.duration_s;
    const errors = r.non2xx + r.errors + r.timeouts;
    const serverCpuMsPerReq = (cpu.user + cpu.system) / 1000 / Math.max(1, r.requests);
    log(`done: ${r.requests} requests in ${r.duration_s.toFixed(1)} s (${rps.toFixed(0)} req/s); latency p50 ${r.latency.p50} ms, p90 ${r.latency.p90}, p99 ${r.latency.p99}, max ${r.latency.max}; status ${JSON.stringify(r.statusCodes)}; non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}`);
    log(`server process: ${serverCpuMsPerReq.toFixed(3)} ms CPU per request (${(((cpu.user + cpu.system) / 1e6 / r.duration_s) * 100).toFixed(0)}% of one core), RSS ${rss.toFixed(0)} MB; mix ${JSON.stringify(r.picked)}`);
    if (errors > 0) exitCode = 1;
    console.log(
      JSON.stringify({
        bench: 'api',
        assets: seeded.assets,
        rps: Math.round(rps),
        p50_ms: r.latency.p50,
        p99_ms: r.latency.p99,
        errors,
        seed_s: Number(seedS.toFixed(2)),
        rss_mb: Math.round(rss),
      }),
    );
  } catch (e) {
    console.error(`[bench:api] failed: ${e instanceof Error ? e.message : String(e)}`);
    exitCode = 1;
  } finally {
    await app.close();
    await db.close();
    if (!KEEP) rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }
  process.exit(exitCode);
}

await main();
