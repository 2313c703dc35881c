/**
 * A windows_exporter exposition (metric names and layout of windows_exporter 0.25, trimmed), for
 * parse tests: there is no Windows peer on this machine, so a node:http server serves this text.
 * Figures: C: 40 360 828 928 free of 255 465 615 360 bytes (15.8 %), D: 1.2 GB free of 500 GB
 * (0.24 %), memory 9 453 125 632 free of 17 078 059 008 bytes (55.35 %).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Peer } from './common.ts';

export const WINDOWS_EXPORTER_TEXT = `# HELP windows_cpu_time_total Time that processor spent in different modes (dpc, idle, interrupt, privileged, user)
# TYPE windows_cpu_time_total counter
windows_cpu_time_total{core="0,0",mode="dpc"} 61.75
windows_cpu_time_total{core="0,0",mode="idle"} 302391.1875
windows_cpu_time_total{core="0,1",mode="idle"} 301955.984375
# HELP windows_cs_logical_processors ComputerSystem.NumberOfLogicalProcessors
# TYPE windows_cs_logical_processors gauge
windows_cs_logical_processors 2
# HELP windows_cs_physical_memory_bytes ComputerSystem.TotalPhysicalMemory
# TYPE windows_cs_physical_memory_bytes gauge
windows_cs_physical_memory_bytes 1.7078059008e+10
# HELP windows_exporter_build_info A metric with a constant '1' value labeled by version, revision, branch, and goversion from which windows_exporter was built.
# TYPE windows_exporter_build_info gauge
windows_exporter_build_info{branch="heads/tags/v0.25.1",goversion="go1.21.5",revision="1a9c7c5dc7b7d4ca1fad6e5ae47ee3d3c9a6ee2e",version="0.25.1"} 1
# HELP windows_logical_disk_free_bytes Free space in bytes, updates every 10-15 min (LogicalDisk.PercentFreeSpace)
# TYPE windows_logical_disk_free_bytes gauge
windows_logical_disk_free_bytes{volume="C:"} 4.0360828928e+10
windows_logical_disk_free_bytes{volume="D:"} 1.2e+09
windows_logical_disk_free_bytes{volume="HarddiskVolume1"} 8.2837504e+07
# HELP windows_logical_disk_size_bytes Total space in bytes (LogicalDisk.PercentFreeSpace_Base)
# TYPE windows_logical_disk_size_bytes gauge
windows_logical_disk_size_bytes{volume="C:"} 2.5546561536e+11
windows_logical_disk_size_bytes{volume="D:"} 5e+11
windows_logical_disk_size_bytes{volume="HarddiskVolume1"} 5.24288e+08
# HELP windows_logical_disk_read_seconds_total Seconds spent on read requests (LogicalDisk.AvgDiskSecPerRead)
# TYPE windows_logical_disk_read_seconds_total counter
windows_logical_disk_read_seconds_total{volume="C:"} 123.456
# HELP windows_os_physical_memory_free_bytes OperatingSystem.FreePhysicalMemory
# TYPE windows_os_physical_memory_free_bytes gauge
windows_os_physical_memory_free_bytes 9.453125632e+09
# HELP windows_os_info OperatingSystem.Caption, OperatingSystem.Version
# TYPE windows_os_info gauge
windows_os_info{build_number="20348",major_version="10",minor_version="0",product="Microsoft Windows Server 2022 Standard",version="10.0.20348"} 1
# HELP windows_service_info A metric with a constant '1' value labeled with service information
# TYPE windows_service_info gauge
windows_service_info{display_name="Windows \\"Update\\" Service",name="wuauserv",process_id="0",run_as="LocalSystem"} 1
windows_service_info{display_name="Path C:\\\\Program Files\\\\Vigie",name="vigie",process_id="4242",run_as="LocalSystem"} 1
# HELP windows_service_state The state of the service (State)
# TYPE windows_service_state gauge
windows_service_state{name="spooler",state="running"} 1
windows_service_state{name="spooler",state="stopped"} 0
windows_service_state{name="wuauserv",state="running"} 0
windows_service_state{name="wuauserv",state="stopped"} 1
# HELP windows_system_system_up_time System boot time (System.SystemUpTime)
# TYPE windows_system_system_up_time gauge
windows_system_system_up_time 1.7012345678e+09
`;

export interface WindowsExporterPeer extends Peer {
  url: string;
}

/** Serves WINDOWS_EXPORTER_TEXT at /metrics on 127.0.0.1:<free port>, as windows_exporter would. */
export async function startWindowsExporterFixture(text = WINDOWS_EXPORTER_TEXT): Promise<WindowsExporterPeer> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.statusCode = 404;
      return void res.end();
    }
    res.setHeader('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    res.end(text);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    url: `http://127.0.0.1:${port}/metrics`,
    async stop() {
      if (stopped) return;
      stopped = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
