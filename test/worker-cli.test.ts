/** The scale-out commands refuse bad setups with a clear error and exit 2. */
import { expect, it } from 'vitest';
import { runCli } from './support/cli.ts';

it('vigie worker refuses SQLite: serve runs the checks itself there', async () => {
  const r = await runCli(['worker'], { DATABASE_URL: ':memory:' });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('worker_needs_postgres');
});

it('vigie collector needs a token and an http(s) server address', async () => {
  const noToken = await runCli(['collector', '--server', 'https://vigie.example.net'], {});
  expect([noToken.code, noToken.stderr]).toEqual([2, expect.stringContaining('--token')]);
  const badUrl = await runCli(['collector', '--server', 'ftp://x', '--token', 'vcol_x'], {});
  expect([badUrl.code, badUrl.stderr]).toEqual([2, expect.stringContaining('--server')]);
});
