// login-flood.mjs - the attacker of the bench's login-flood case: N clients
// (default 200), each on its own kept-alive connection, sending wrong-
// password logins for the seed users through the storefront one after
// another, as fast as the answers come, until SIGTERM or DURATION_S;
// then prints the count of each status as JSON.
//   node bench/login-flood.mjs http://127.0.0.1:18080 [clients]
import http from 'node:http';

const [base, clientsArg] = process.argv.slice(2);
const clients = Number(clientsArg ?? 200);
const names = ['stan', 'user', 'partner-57'];
const url = new URL('/api/user/login', base);
const statuses = {};
let stopping = false;

function attempt(agent, i) {
  return new Promise((resolve) => {
    const body = JSON.stringify({ name: names[i % names.length], password: `guess-${i}-${Date.now()}` });
    const req = http.request(url, {
      method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      res.on('end', () => { statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1; resolve(); });
    });
    req.on('error', () => { statuses.error = (statuses.error ?? 0) + 1; setTimeout(resolve, 10); });
    req.end(body);
  });
}

async function client(i) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  while (!stopping) await attempt(agent, i);
  agent.destroy();
}

process.on('SIGTERM', () => { stopping = true; });
setTimeout(() => { stopping = true; }, Number(process.env.DURATION_S ?? 600) * 1000).unref();
await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
process.stdout.write(`${JSON.stringify(statuses)}\n`);
