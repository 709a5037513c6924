// gateway.mjs - the external payment gateway payment calls when
// PAYMENT_GATEWAY is set (GET with an Idempotency-Key header; any 2xx is a
// charge made), played here on loopback so that the slow-dependency
// experiment can make it slow while the shop runs: every answer waits the
// delay in force when its request arrived. It counts the calls and how many
// wait at once.
import http from 'node:http';

export async function startGateway() {
  const g = { delayMs: 0, calls: 0, waiting: 0, mostWaiting: 0 };
  const server = http.createServer((req, res) => {
    g.calls++;
    g.waiting++;
    g.mostWaiting = Math.max(g.mostWaiting, g.waiting);
    const answer = () => {
      g.waiting--;
      if (!res.destroyed) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"charged":true}');
      }
    };
    if (g.delayMs > 0) setTimeout(answer, g.delayMs);
    else answer();
  });
  server.keepAliveTimeout = 60000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  g.url = `http://127.0.0.1:${server.address().port}/charge`;
  g.close = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return g;
}
