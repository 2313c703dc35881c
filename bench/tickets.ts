// `npm run bench:tickets`: the ticket list under a fixed load, on a scratch SQLite database of 200,000 tickets.
//
// Seeds 20 clients × 10,000 tickets by bulk insert (a mix of types, priorities and states over two
// years, the open ones with their SLA clocks' due times), starts the real server on a free loopback
// port, signs in as the steering referent of one client, and drives the queues (open, all, closed,
// breaching, unassigned), filters (state, priority, type), searches and deeper pages (cursors) at a
// fixed rate from a separate process (bench/load.mjs). Progress goes to stdout; the last line is one
// JSON of figures.
//
// Environment: BENCH_SECONDS (20), BENCH_RATE (500 req/s), BENCH_CONNECTIONS (10),
// BENCH_WARMUP_SECONDS (2), BENCH_KEEP=1 (keep the scratch folder).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { getJson, mulberry32, runLoad, type Http } from './support.ts';
import { openAndMigrate } from '../src/app/bootstrap.ts';
import { loadConfig } from '../src/app/config.ts';
import { buildServer } from '../src/app/server.ts';
import { newId } from '../src/core/ids.ts';
import { SYSTEM_CONTEXT } from '../src/modules/journal/service.ts';
import { createClient, createUser } from '../src/modules/tenancy/service.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const KEEP = process.env.BENCH_KEEP === '1';

const CLIENTS = 20;
const TICKETS_PER_CLIENT = 10_000;
const BENCH_CLIENT = 7;
const PAGE = 50;
const DAY = 86_400_000;

const log = (msg: string) => console.log(`[bench:tickets] ${msg}`);
const ms = (t0: number) => performance.now() - t0;

const rnd = mulberry32(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

const SUBJECTS = [
  'Imprimante bloquée au rez-de-chaussée', 'Messagerie lente', 'Accès VPN impossible', 'Création de compte pour une arrivée', 'Écran noir au démarrage',
  'Serveur de fichiers injoignable', 'Mot de passe expiré', 'Installation du logiciel de paie', 'Wi-Fi instable en salle de réunion', 'Sauvegarde en échec',
  'Téléphone IP sans tonalité', 'Demande de poste portable', 'ERP : erreur à la validation des factures', 'Certificat du site web expiré', 'Lenteurs réseau agence',
];
const CATEGORIES = ['Poste de travail', 'Réseau', 'Messagerie', 'Serveurs', 'Applications', 'Comptes', 'Téléphonie'];
const TYPES = ['incident', 'incident', 'incident', 'request', 'request', 'change', 'problem'];
/** States weighted as a desk's history looks: most tickets closed, a few hundred open per client. */
const STATES: [string, number][] = [['closed', 80], ['resolved', 10], ['restored', 2], ['new', 2], ['taken', 2], ['in_progress', 3], ['waiting', 1]];
const STATE_WEIGHT = STATES.reduce((s, [, w]) => s + w, 0);
function pickState(): string {
  let r = rnd() * STATE_WEIGHT;
  for (const [s, w] of STATES) if ((r -= w) < 0) return s;
  return 'closed';
}

async function seed(db: Awaited<ReturnType<typeof openAndMigrate>>) {
  const clientIds: string[] = [];
  for (let c = 1; c <= CLIENTS; c++) clientIds.push((await createClient(db, SYSTEM_CONTEXT, { name: `Client ${String(c).padStart(2, '0')} SARL`, slug: `client-${c}` })).id);
  const raw = db.sqlite!;
  const insert = raw.prepare(
    `insert into tickets (id, client_id, number, type, title, description, category, impact, urgency, priority, state, source, contract_id, requester_user_id,
       requester_name, requester_email, assignee_user_id, group_id, problem_id, alert_subject_id, external_ref, created_at, updated_at, taken_at, restored_at,
       resolved_at, closed_at, reopened_count, gti_due_at, gtr_due_at, gti_state, gtr_state)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, null, ?, ?, null, null, null, null, null, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
  );
  const now = Date.now();
  let open = 0;
  raw.transaction(() => {
    clientIds.forEach((clientId) => {
      // Created over two years, in order: the id (UUIDv7) and the number follow the creation time.
      const times = Array.from({ length: TICKETS_PER_CLIENT }, () => now - Math.floor(rnd() * 730 * DAY)).sort((a, b) => a - b);
      times.forEach((created, i) => {
        const recent = now - created < 20 * DAY;
        const state = recent ? pickState() : rnd() < 0.98 ? 'closed' : 'resolved';
        const isOpen = !['restored', 'resolved', 'closed'].includes(state);
        if (isOpen) open++;
        const priority = 1 + Math.floor(rnd() * 4);
        const taken = state === 'new' ? null : created + Math.floor(rnd() * 4 * 3_600_000);
        const restored = isOpen ? null : (taken ?? created) + Math.floor(rnd() * 2 * DAY);
        const resolved = state === 'resolved' || state === 'closed' ? restored! + 3_600_000 : null;
        const closed = state === 'closed' ? resolved! + DAY : null;
        const gtiDue = created + priority * 2 * 3_600_000;
        const gtrDue = created + priority * DAY;
        const gtiState = taken === null ? (gtiDue < now ? 'breached' : 'running') : taken <= gtiDue ? 'met' : 'breached';
        const gtrState = isOpen ? (state === 'waiting' ? 'paused' : gtrDue < now ? 'breached' : 'running') : restored! <= gtrDue ? 'met' : 'breached';
        const title = `${pick(SUBJECTS)}${rnd() < 0.3 ? ` — ${pick(['Lyon', 'Villeurbanne', 'siège', 'agence Nord', 'atelier'])}` : ''}`;
        insert.run(
          newId(created), clientId, i + 1, pick(TYPES), title, 'Décrit par le demandeur au téléphone.', pick(CATEGORIES), 1 + Math.floor(rnd() * 4), 1 + Math.floor(rnd() * 4),
          priority, state, pick(['portal', 'email', 'phone', 'monitoring']), 'Camille Martin', 'camille.martin@client.test', created,
          closed ?? resolved ?? restored ?? taken ?? created, taken, restored, resolved, closed, gtiDue, gtrDue, gtiState, gtrState,
        );
      });
    });
  })();
  raw.pragma('optimize');
  return { clientIds, benchClientId: clientIds[BENCH_CLIENT - 1]!, tickets: CLIENTS * TICKETS_PER_CLIENT, open };
}



/** The query string of up to `maxPages` pages after the first of a listing (each with its cursor). */
async function walkCursors(http: Http, listPath: string, maxPages: number): Promise<string[]> {
  const paths: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i <= maxPages; i++) {
    const path: string = cursor ? `${listPath}&cursor=${encodeURIComponent(cursor)}` : listPath;
    const r = await getJson(http, path);
    if (r.status !== 200) throw new Error(`GET ${path} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    if (cursor) paths.push(path);
    cursor = r.body.next_cursor ?? null;
    if (!cursor) break;
  }
  return paths;
}


async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-bench-tickets-'));
  const dbFile = join(dir, 'vigie.sqlite');
  log(`scratch database ${dbFile}`);
  const db = await openAndMigrate({ databaseUrl: dbFile });
  log(`seeding ${CLIENTS} clients × ${TICKETS_PER_CLIENT} tickets…`);
  let t0 = performance.now();
  const seeded = await seed(db);
  const seedS = ms(t0) / 1000;
  log(`seeded ${seeded.tickets} tickets (${seeded.open} open) in ${seedS.toFixed(2)} s; database file ${(statSync(dbFile).size / 1048576).toFixed(1)} MB`);

  const password = 'bench passphrase long enough';
  const email = 'bench.referent@client07.test';
  await createUser(db, SYSTEM_CONTEXT, { email, name: 'Bench Referent', password, organisationId: seeded.benchClientId, roles: ['steering_referent'] });
  const config = loadConfig({}, { databaseUrl: dbFile, dataDir: dir, webDir: join(dir, 'no-web'), logLevel: 'silent', port: 0, host: '127.0.0.1' });
  const app = await buildServer({ db, config }, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  log(`server listening on ${base}`);

  let exitCode = 0;
  try {
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
    const session = login.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith('vigie_session='));
    if (!session) throw new Error('login set no session cookie');
    const http: Http = { base, cookie: session };

    const list = `/api/v1/clients/${seeded.benchClientId}/tickets?limit=${PAGE}`;
    const queues = ['open', 'all', 'closed', 'breaching', 'unassigned'].map((q) => `${list}&queue=${q}`);
    const filters = [
      `${list}&queue=all&state=waiting`, `${list}&queue=all&priority=1`, `${list}&queue=all&type=change`, `${list}&queue=open&priority=2`, `${list}&queue=closed&type=problem`,
    ];
    const searches = ['imprimante', 'vpn', 'lyon', 'sauvegarde', 'T-4242', '777', 'zzz-rien'].map((q) => `${list}&queue=all&q=${encodeURIComponent(q)}`);
    for (const p of [...queues, ...filters, ...searches]) {
      const r = await getJson(http, p);
      if (r.status !== 200 || !Array.isArray(r.body.items)) throw new Error(`GET ${p} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    }
    t0 = performance.now();
    const cursors = [
      ...(await walkCursors(http, `${list}&queue=all`, 40)),
      ...(await walkCursors(http, `${list}&queue=closed`, 20)),
      ...(await walkCursors(http, `${list}&queue=all&q=imprimante`, 10)),
      ...(await walkCursors(http, `${list}&queue=all&priority=1`, 10)),
    ];
    log(`walked ${cursors.length} deeper pages in ${ms(t0).toFixed(0)} ms`);
    const groups = [
      { name: 'queue', weight: 40, paths: queues },
      { name: 'filter', weight: 20, paths: filters },
      { name: 'search', weight: 15, paths: searches },
      { name: 'cursor', weight: 25, paths: cursors },
    ];
    const spec = { url: base, connections: CONNECTIONS, overallRate: RATE, headers: { cookie: http.cookie, accept: 'application/json' }, groups };
    const specFile = join(dir, 'load.json');
    if (WARMUP_SECONDS > 0) {
      log(`warming up for ${WARMUP_SECONDS} s…`);
      await runLoad({ ...spec, duration: WARMUP_SECONDS }, specFile);
    }
    const cpu0 = process.cpuUsage();
    log(`running ${SECONDS} s at ${RATE} req/s over ${CONNECTIONS} connections (${groups.map((g) => `${g.name} ${g.weight}%`).join(', ')})…`);
    const r = await runLoad({ ...spec, duration: SECONDS }, specFile);
    const cpu = process.cpuUsage(cpu0);
    const rps = r.requests / r.duration_s;
    const errors = r.non2xx + r.errors + r.timeouts;
    log(`done: ${r.requests} requests in ${r.duration_s.toFixed(1)} s (${rps.toFixed(0)} req/s); latency p50 ${r.latency.p50} ms, p90 ${r.latency.p90}, p99 ${r.latency.p99}, max ${r.latency.max}; status ${JSON.stringify(r.statusCodes)}`);
    log(`server process: ${((cpu.user + cpu.system) / 1000 / Math.max(1, r.requests)).toFixed(3)} ms CPU per request; RSS ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB`);
    if (errors > 0) exitCode = 1;
    console.log(JSON.stringify({ bench: 'tickets', tickets: seeded.tickets, rps: Math.round(rps), p50_ms: r.latency.p50, p99_ms: r.latency.p99, errors }));
  } catch (e) {
    console.error(`[bench:tickets] failed: ${e instanceof Error ? e.message : String(e)}`);
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
