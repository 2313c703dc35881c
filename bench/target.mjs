// A supervised target for bench:monitoring: answers TCP connects and HTTP GETs on loopback, in its
// own process so its CPU is not counted as Vigie's. Prints {"tcp":port,"http":port} once listening.
import { createServer as createHttp } from 'node:http';
import { createServer as createTcp } from 'node:net';

const http = createHttp((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
  res.end('ok');
});
http.keepAliveTimeout = 120_000;
const tcp = createTcp((s) => s.end());
await new Promise((r) => http.listen(0, '127.0.0.1', r));
await new Promise((r) => tcp.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r));
console.log(JSON.stringify({ tcp: tcp.address().port, http: http.address().port }));
process.on('SIGTERM', () => process.exit(0));
