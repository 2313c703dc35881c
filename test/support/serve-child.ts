/**
 * A real server process for crash tests: opens the database given by DATABASE_URL, makes a provider
 * admin with a known password and TOTP secret (first run only), listens on a free port and prints
 * one JSON line {port, email, password, totp}.
 */
import { writeFileSync, existsSync, readFileSync } from 'node:fs';
import { loadConfig } from '../../src/app/config.ts';
import { openAndMigrate } from '../../src/app/bootstrap.ts';
import { buildServer } from '../../src/app/server.ts';
import { makeStaff } from './world.ts';

const config = loadConfig(process.env, { logLevel: 'silent', webDir: '/nonexistent', loginRateLimit: { max: 1000, windowMs: 60_000 } });
const db = await openAndMigrate(config);
const credFile = `${process.env.CRED_FILE}`;
let cred: { email: string; password: string; totp: string | null };
if (existsSync(credFile)) cred = JSON.parse(readFileSync(credFile, 'utf8'));
else {
  cred = await makeStaff(db, ['admin']);
  writeFileSync(credFile, JSON.stringify(cred));
}
const app = await buildServer({ db, config }, { logger: false });
await app.listen({ port: 0, host: '127.0.0.1' });
const addr = app.server.address();
console.log(JSON.stringify({ port: typeof addr === 'object' && addr ? addr.port : 0, ...cred }));
