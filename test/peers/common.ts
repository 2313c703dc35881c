/**
 * Shared plumbing of the real-peer fixtures: finding a binary, free ports, starting a daemon in the
 * foreground, waiting until it answers, and stopping it for sure. A fixture whose binary is absent
 * returns `{ peer: null, reason }`; a suite that needs it skips with that reason, except under
 * VIGIE_REQUIRE_PEERS=1 (CI), where it runs and fails.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface Peer {
  host: string;
  port: number;
  /** Stops the peer and removes its temporary files; safe to call twice. */
  stop(): Promise<void>;
}

/** A started peer, or why it could not be (its binary is absent). */
export type PeerStart<P extends Peer> = { peer: P; reason?: undefined } | { peer: null; reason: string };

/** Are absent peers an error rather than a skip? (CI sets VIGIE_REQUIRE_PEERS=1.) */
export const requirePeers = process.env.VIGIE_REQUIRE_PEERS === '1';

/** Absolute path of an executable, searching PATH plus the sbin folders; null when absent. */
export function findBinary(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return null;
}

/**
 * For `describe.skipIf(...)`: true (skip) when `missing` names a reason and peers are not required;
 * prints the reason either way.
 */
export function skipWithout(suite: string, missing: string | null): boolean {
  if (missing === null) return false;
  if (requirePeers) {
    console.error(`[peers] ${suite}: ${missing} — VIGIE_REQUIRE_PEERS=1, so the suite runs and fails`);
    return false;
  }
  console.warn(`[peers] skipping ${suite}: ${missing} (set VIGIE_REQUIRE_PEERS=1 to make this a failure)`);
  return true;
}

/** Unwraps a PeerStart in a beforeAll: the peer, or an error naming why it is absent. */
export function started<P extends Peer>(r: PeerStart<P>): P {
  if (!r.peer) throw new Error(`peer not available: ${r.reason}`);
  return r.peer;
}

/** A TCP port free on 127.0.0.1 right now (the kernel's pick). */
export function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A port free for both UDP and TCP on 127.0.0.1 (DNS servers bind both). */
export async function freeUdpPort(alsoTcp = false, host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(0, host, () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
    if (!alsoTcp) return port;
    const tcpFree = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, host, () => srv.close(() => resolve(true)));
    });
    if (tcpFree) return port;
  }
  throw new Error('no free UDP+TCP port found');
}

/** A fresh temporary folder. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `vigie-${prefix}-`));
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test run that dies before its afterAll still leaves no daemon behind.
  process.once('exit', () => {
    for (const c of running) {
      try {
        c.kill('SIGKILL');
      } catch {
        // gone
      }
    }
  });
}

export interface Daemon {
  child: ChildProcess;
  /** Output so far (stdout and stderr), for error messages. */
  output(): string;
  /** Has it exited? */
  exited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a long-running process in the foreground, its output kept in memory (last 64 KiB). */
export function startDaemon(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Daemon {
  installExitHook();
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C', ...env } });
  running.add(child);
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString('utf8');
    if (out.length > 65536) out = out.slice(-65536);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let hasExited = false;
  const exitedP = new Promise<void>((resolve) => {
    child.once('exit', () => {
      hasExited = true;
      running.delete(child);
      resolve();
    });
    child.once('error', (e) => {
      out += `\n[spawn error] ${e.message}`;
      hasExited = true;
      running.delete(child);
      resolve();
    });
  });
  return {
    child,
    output: () => out,
    exited: () => hasExited,
    async stop(graceMs = 3000) {
      if (hasExited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exitedP;
      clearTimeout(timer);
    },
  };
}

/** Polls `probe` until it resolves true, the daemon exits, or `timeoutMs` passes (then throws with its output). */
export async function waitUntil(what: string, probe: () => Promise<boolean>, daemon: Daemon | null, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (daemon?.exited()) throw new Error(`${what} exited during start-up:\n${daemon.output().slice(-3000)}`);
    try {
      if (await probe()) return;
    } catch (e) {
      lastError = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not answer within ${timeoutMs} ms${lastError ? ` (last error: ${lastError})` : ''}${daemon ? `:\n${daemon.output().slice(-3000)}` : ''}`);
}

/** Runs a command to completion; throws with its output when it fails. */
export function run(bin: string, args: string[], opts: { cwd?: string; input?: string } = {}): string {
  const r = spawnSync(bin, args, { cwd: opts.cwd, input: opts.input, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Removes a folder, ignoring errors. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A file's text, or '' when unreadable. */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
