/**
 * Debian's `prometheus-node-exporter` on 127.0.0.1:<free port>, with a textfile-collector folder
 * the test fills (apt_upgrades_pending, node_reboot_required…), and, where python3-apt is present,
 * the real apt_info.py collector of prometheus-node-exporter-collectors to produce that file.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { type Peer, type PeerStart, findBinary, freeTcpPort, removeDir, run, startDaemon, tempDir, waitUntil } from './common.ts';

const EXPORTER = '/usr/bin/prometheus-node-exporter';
const APT_INFO = '/usr/share/prometheus-node-exporter-collectors/apt_info.py';

export interface NodeExporterPeer extends Peer {
  /** `http://127.0.0.1:<port>/metrics`. */
  url: string;
  /** The textfile collector's folder. */
  textfileDir: string;
  /** Writes `<name>.prom` in the textfile folder, atomically (as the collectors do). */
  writeTextfile(name: string, content: string): void;
}

function exporterBinary(): string | null {
  return existsSync(EXPORTER) ? EXPORTER : findBinary('prometheus-node-exporter') ?? findBinary('node_exporter');
}

/** Why the node exporter peer cannot run here, or null. */
export function nodeExporterMissing(): string | null {
  return exporterBinary() ? null : 'prometheus-node-exporter is not installed (Debian package prometheus-node-exporter)';
}

/** Why the real apt_info.py collector cannot run here, or null. */
export function aptInfoMissing(): string | null {
  if (!existsSync(APT_INFO)) return `${APT_INFO} is absent (Debian package prometheus-node-exporter-collectors)`;
  if (!existsSync('/usr/bin/python3')) return '/usr/bin/python3 is absent';
  try {
    run('/usr/bin/python3', ['-c', 'import apt']);
  } catch {
    return 'python3-apt is not installed';
  }
  return null;
}

/** Runs the real apt_info.py collector (Debian's python3 and python3-apt) and returns its exposition. */
export function runAptInfo(): string {
  return run('/usr/bin/python3', [APT_INFO]);
}

function fetchOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(url, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(1000, () => req.destroy());
  });
}

/** Starts the exporter and waits until /metrics answers 200. */
export async function startNodeExporter(): Promise<PeerStart<NodeExporterPeer>> {
  const bin = exporterBinary();
  if (!bin) return { peer: null, reason: nodeExporterMissing()! };
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = tempDir('node-exporter');
    const port = await freeTcpPort();
    const url = `http://127.0.0.1:${port}/metrics`;
    // systemd collector off: without D-Bus it only logs errors.
    const daemon = startDaemon(bin, [`--web.listen-address=127.0.0.1:${port}`, `--collector.textfile.directory=${dir}`, '--no-collector.systemd', '--log.level=warn']);
    try {
      await waitUntil('prometheus-node-exporter', () => fetchOk(url), daemon, 15_000);
    } catch (e) {
      lastError = e;
      await daemon.stop();
      removeDir(dir);
      continue;
    }
    let stopped = false;
    return {
      peer: {
        host: '127.0.0.1',
        port,
        url,
        textfileDir: dir,
        writeTextfile(name, content) {
          const tmp = join(dir, `.${name}.tmp`);
          writeFileSync(tmp, content);
          renameSync(tmp, join(dir, `${name}.prom`));
        },
        async stop() {
          if (stopped) return;
          stopped = true;
          await daemon.stop();
          removeDir(dir);
        },
      },
    };
  }
  throw lastError;
}
