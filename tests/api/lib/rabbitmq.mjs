// rabbitmq.mjs - a throw-away RabbitMQ node for a test, run as a plain
// process (not the system service): its own loopback AMQP port, its own
// Erlang distribution port and epmd, its own directory for data, logs,
// config and the Erlang cookie. stop() and start() again on the same ports
// stage an outage (durable queues and persistent messages survive it);
// destroy() kills every process it started. connect() gives a client
// (amqplib) for looking into queues, publishing raw messages and taking
// messages off a queue.
import amqplib from 'amqplib';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort, removeDir, sleep, tempDir } from './service.mjs';

const SERVER = existsSync('/usr/lib/rabbitmq/bin/rabbitmq-server')
  ? '/usr/lib/rabbitmq/bin/rabbitmq-server'   // the Debian /usr/sbin wrapper su's to "rabbitmq"
  : 'rabbitmq-server';
const START_TIMEOUT_MS = 60000;
const STOP_TIMEOUT_MS = 15000;

// ---- a client for the tests, over amqplib ----

// What the tests do with the broker: look into queues, publish raw
// messages, take messages off a queue.
export class AmqpClient {
  constructor(connection, channel) {
    this.connection = connection;
    this.channel = channel;
    this.closed = false;
    connection.on('error', () => {});   // a broker stopped under a test is expected
    connection.on('close', () => { this.closed = true; });
  }

  // {messageCount, consumerCount}; passive only asks.
  declareQueue(queue, { passive = false, durable = true } = {}) {
    return passive ? this.channel.checkQueue(queue) : this.channel.assertQueue(queue, { durable });
  }

  queueInfo(queue) {
    return this.declareQueue(queue, { passive: true });
  }

  async purge(queue) {
    return (await this.channel.purgeQueue(queue)).messageCount;
  }

  publish(exchange, routingKey, body, { headers, contentType = 'application/json', persistent = true } = {}) {
    const data = Buffer.isBuffer(body) ? body : Buffer.from(body);
    this.channel.publish(exchange, routingKey, data, { headers, contentType, persistent });
  }

  // The message ({body, exchange, routingKey, properties, deliveryTag, redelivered}) or null.
  async get(queue, { noAck = true } = {}) {
    const m = await this.channel.get(queue, { noAck });
    if (!m) return null;
    return {
      body: m.content.toString(), exchange: m.fields.exchange, routingKey: m.fields.routingKey,
      properties: m.properties, deliveryTag: m.fields.deliveryTag, redelivered: m.fields.redelivered,
    };
  }

  ack(deliveryTag) {
    this.channel.ack({ fields: { deliveryTag } });
  }

  // Waits until the queue holds `count` ready messages (or fails after timeoutMs).
  async waitForDepth(queue, count, timeoutMs = 10000) {
    const deadline = Date.now() + timeoutMs;
    let info;
    while (Date.now() < deadline) {
      info = await this.queueInfo(queue);
      if (info.messageCount === count) return info;
      await sleep(50);
    }
    throw new Error(`queue ${queue} holds ${info?.messageCount} messages, not ${count}`);
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    await this.connection.close().catch(() => {});
  }
}

export async function amqpConnect(port, { user = 'guest', password = 'guest', vhost = '/', timeoutMs = 5000 } = {}) {
  const connection = await amqplib.connect({
    protocol: 'amqp', hostname: '127.0.0.1', port, username: user, password, vhost, heartbeat: 0,
  }, { timeout: timeoutMs });
  const channel = await connection.createChannel();
  channel.on('error', () => {});
  return new AmqpClient(connection, channel);
}

// ---- the broker process ----

function listening(port) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
  });
}

// Keeps the last `max` characters of a stream, for error messages.
function tail(stream, max = 20000) {
  const t = { text: '' };
  stream.setEncoding('utf8');
  stream.on('data', (d) => { t.text = (t.text + d).slice(-max); });
  return t;
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone
  }
}

export class Rabbit {
  constructor({ port, distPort, epmdPort, dir }) {
    this.port = port;
    this.distPort = distPort;
    this.epmdPort = epmdPort;
    this.dir = dir;
    this.node = `rs${port}@localhost`;
    this.url = `amqp://guest:guest@127.0.0.1:${port}/`;
    this.child = null;
    this.epmd = null;
    mkdirSync(path.join(dir, 'mnesia'), { recursive: true });
    mkdirSync(path.join(dir, 'log'), { recursive: true });
    writeFileSync(path.join(dir, 'enabled_plugins'), '');
    writeFileSync(path.join(dir, 'rabbitmq-env.conf'), '');
    // The disk alarm would block publishers on a nearly full test machine.
    writeFileSync(path.join(dir, 'rabbitmq.conf'), 'disk_free_limit.absolute = 1MB\n');
    // Name lookups from /etc/hosts in the VM itself: no inet_gethost helper
    // processes, which a VM stopped by a signal could leave unreaped.
    writeFileSync(path.join(dir, 'inetrc'), '{lookup, [file, dns]}.\n');
    writeFileSync(path.join(dir, '.erlang.cookie'), `RSTESTCOOKIE${port}`, { mode: 0o400 });
  }

  env() {
    return {
      PATH: process.env.PATH,
      HOME: this.dir,
      LANG: 'C.UTF-8',
      ERL_EPMD_PORT: String(this.epmdPort),
      ERL_INETRC: path.join(this.dir, 'inetrc'),
      RABBITMQ_NODENAME: this.node,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(this.port),
      RABBITMQ_DIST_PORT: String(this.distPort),
      RABBITMQ_MNESIA_BASE: path.join(this.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: path.join(this.dir, 'log'),
      RABBITMQ_CONFIG_FILE: path.join(this.dir, 'rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: path.join(this.dir, 'advanced.config'),
      RABBITMQ_CONF_ENV_FILE: path.join(this.dir, 'rabbitmq-env.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: path.join(this.dir, 'enabled_plugins'),
      // Run the VM in place of the script (no proxy shell between us and
      // beam.smp, so a signal reaches it and we reap it), without a shell.
      RABBITMQ_ALLOW_INPUT: '1',
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-noinput -kernel inet_dist_use_interface {127,0,0,1}',
    };
  }

  // Our own epmd on a private port: nothing shared, nothing left behind.
  async startEpmd() {
    if (this.epmd) return;
    this.epmd = spawn('epmd', ['-port', String(this.epmdPort), '-address', '127.0.0.1'],
      { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    const err = tail(this.epmd.stderr);
    this.epmdExited = new Promise((resolve) => this.epmd.once('exit', resolve));
    for (let i = 0; i < 200; i++) {
      if (await listening(this.epmdPort)) return;
      if (this.epmd.exitCode !== null) break;
      await sleep(25);
    }
    throw new Error(`epmd on port ${this.epmdPort} did not start: ${err.text}`);
  }

  async start() {
    await this.startEpmd();
    this.child = spawn(SERVER, [], {
      cwd: this.dir, env: this.env(), stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    this.out = tail(this.child.stdout);
    this.err = tail(this.child.stderr);
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) break;
      if (await listening(this.port)) {
        try {
          const c = await amqpConnect(this.port);
          await c.close();
          return this;
        } catch {
          // listening, not booted yet
        }
      }
      await sleep(100);
    }
    const out = `${this.out.text}\n${this.err.text}`;
    await this.stop('SIGKILL');
    throw new Error(`rabbitmq-server on port ${this.port} did not start:\n${out.slice(-4000)}`);
  }

  // Stops the node (SIGTERM: a clean shutdown, the VM stops its helper
  // processes itself; SIGKILL: a crash, the whole process group at once)
  // and waits until it is gone and its port is closed.
  async stop(signal = 'SIGTERM') {
    const child = this.child;
    if (!child) return;
    killGroup(child, 'SIGCONT');   // a frozen VM cannot stop
    if (child.exitCode === null && child.signalCode === null) {
      if (signal === 'SIGKILL') killGroup(child, signal);
      else child.kill(signal);
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    killGroup(child, 'SIGKILL');   // erl_child_setup and friends, if any are left
    this.child = null;
    for (let i = 0; i < 200 && await listening(this.port); i++) await sleep(25);
  }

  // Freezes the whole VM (SIGSTOP): the port stays open and nothing
  // answers, as with a hung broker; thaw (SIGCONT) lets it go on.
  freeze() {
    if (this.child) killGroup(this.child, 'SIGSTOP');
  }

  thaw() {
    if (this.child) killGroup(this.child, 'SIGCONT');
  }

  connect(opts) {
    return amqpConnect(this.port, opts);
  }

  async destroy() {
    await this.stop();
    if (this.epmd) {
      if (this.epmd.exitCode === null && this.epmd.signalCode === null) {
        killGroup(this.epmd, 'SIGKILL');
        await this.epmdExited;
      }
      this.epmd = null;
    }
    removeDir(this.dir);
  }
}

async function distinctPorts(n) {
  const ports = new Set();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

export async function startRabbit() {
  const [port, distPort, epmdPort] = await distinctPorts(3);
  const rabbit = new Rabbit({ port, distPort, epmdPort, dir: tempDir('rs-rabbit-') });
  try {
    await rabbit.start();
  } catch (e) {
    await rabbit.destroy();
    throw e;
  }
  return rabbit;
}
