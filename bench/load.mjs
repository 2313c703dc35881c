// Load generator for the benchmarks, run in its own process so that its CPU does not count
// against the server under test (and a CPU profile of the server shows the server only).
//
//   node bench/load.mjs <spec.json>      → prints one JSON line: autocannon's figures
//
// spec: { url, connections, overallRate, duration, headers, groups: [{ name, weight, paths: [...] }] }
// Each request picks a group by weight, then one of its paths at random.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const groups = spec.groups.filter((g) => g.paths.length > 0 && g.weight > 0);
const total = groups.reduce((s, g) => s + g.weight, 0);
const picked = Object.fromEntries(groups.map((g) => [g.name, 0]));

function pickPath() {
  let r = Math.random() * total;
  for (const g of groups) {
    r -= g.weight;
    if (r < 0) {
      picked[g.name]++;
      return g.paths[(Math.random() * g.paths.length) | 0];
    }
  }
  const g = groups[groups.length - 1];
  picked[g.name]++;
  return g.paths[0];
}

const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  overallRate: spec.overallRate,
  duration: spec.duration,
  headers: spec.headers ?? {},
  // Autocannon's coordinated-omission correction feeds 1/rate (in seconds) as an interval in
  // milliseconds, which pads the histogram with made-up fast samples: record what was measured.
  ignoreCoordinatedOmission: true,
  timeout: 10,
  requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: pickPath() }) }],
});

const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([k, v]) => [k, v.count]));
process.stdout.write(
  `${JSON.stringify({
    requests: result.requests.total,
    rps: result.requests.average,
    duration_s: result.duration,
    latency: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p97_5: result.latency.p97_5,
      p99: result.latency.p99,
      p99_9: result.latency.p99_9 ?? null,
      max: result.latency.max,
      mean: result.latency.mean,
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    picked,
  })}\n`,
);
