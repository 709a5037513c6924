// rabbitmq.mjs - a throw-away RabbitMQ node for a test, run as a plain
// process (not the system service): its own loopback AMQP port, its own
// Erlang distribution port and epmd, its own directory for data, logs,
// config and the Erlang cookie. stop() and start() again on the same ports
// stage an outage (durable queues and persistent messages survive it);
// destroy() kills every process it started. Also a minimal AMQP 0-9-1
// client (connect()) so that tests can look into queues, publish raw
// messages and take messages off a queue.
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

// ---- AMQP 0-9-1 wire format (only what the tests need) ----

const FRAME_METHOD = 1, FRAME_HEADER = 2, FRAME_BODY = 3, FRAME_HEARTBEAT = 8, FRAME_END = 0xce;
const method = (cls, id) => cls * 65536 + id;
const M = {
  START: method(10, 10), START_OK: method(10, 11), TUNE: method(10, 30), TUNE_OK: method(10, 31),
  OPEN: method(10, 40), OPEN_OK: method(10, 41), CLOSE: method(10, 50), CLOSE_OK: method(10, 51),
  CH_OPEN: method(20, 10), CH_OPEN_OK: method(20, 11), CH_CLOSE: method(20, 40), CH_CLOSE_OK: method(20, 41),
  Q_DECLARE: method(50, 10), Q_DECLARE_OK: method(50, 11), Q_PURGE: method(50, 30), Q_PURGE_OK: method(50, 31),
  PUBLISH: method(60, 40), GET: method(60, 70), GET_OK: method(60, 71), GET_EMPTY: method(60, 72),
  ACK: method(60, 80), REJECT: method(60, 90),
};

class Writer {
  constructor() { this.parts = []; }
  u8(v) { const b = Buffer.alloc(1); b.writeUInt8(v); this.parts.push(b); return this; }
  u16(v) { const b = Buffer.alloc(2); b.writeUInt16BE(v); this.parts.push(b); return this; }
  u32(v) { const b = Buffer.alloc(4); b.writeUInt32BE(v); this.parts.push(b); return this; }
  u64(v) { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(v)); this.parts.push(b); return this; }
  shortstr(s) { const b = Buffer.from(s); this.u8(b.length); this.parts.push(b); return this; }
  longstr(s) { const b = Buffer.isBuffer(s) ? s : Buffer.from(s); this.u32(b.length); this.parts.push(b); return this; }
  table(obj = {}) {
    const w = new Writer();
    for (const [k, v] of Object.entries(obj)) {
      w.shortstr(k);
      if (typeof v === 'boolean') w.u8(0x74).u8(v ? 1 : 0);
      else if (typeof v === 'number') w.u8(0x49).u32(v >>> 0);   // 'I' (tests use small ones)
      else if (Buffer.isBuffer(v)) w.u8(0x78).longstr(v);
      else if (typeof v === 'object' && v !== null) w.u8(0x46).table(v);
      else w.u8(0x53).longstr(String(v));
    }
    return this.longstr(w.buffer());
  }
  buffer() { return Buffer.concat(this.parts); }
}

class Reader {
  constructor(buf) { this.buf = buf; this.pos = 0; }
  u8() { return this.buf.readUInt8(this.pos++); }
  u16() { const v = this.buf.readUInt16BE(this.pos); this.pos += 2; return v; }
  u32() { const v = this.buf.readUInt32BE(this.pos); this.pos += 4; return v; }
  u64() { const v = this.buf.readBigUInt64BE(this.pos); this.pos += 8; return Number(v); }
  bytes(n) { const b = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return b; }
  shortstr() { return this.bytes(this.u8()).toString(); }
  longstr() { return this.bytes(this.u32()); }
  value() {
    const kind = String.fromCharCode(this.u8());
    switch (kind) {
      case 't': return this.u8() !== 0;
      case 'b': { const v = this.buf.readInt8(this.pos); this.pos += 1; return v; }
      case 'B': return this.u8();
      case 's': { const v = this.buf.readInt16BE(this.pos); this.pos += 2; return v; }
      case 'u': return this.u16();
      case 'I': { const v = this.buf.readInt32BE(this.pos); this.pos += 4; return v; }
      case 'i': return this.u32();
      case 'l': { const v = this.buf.readBigInt64BE(this.pos); this.pos += 8; return Number(v); }
      case 'T': return this.u64();
      case 'f': { const v = this.buf.readFloatBE(this.pos); this.pos += 4; return v; }
      case 'd': { const v = this.buf.readDoubleBE(this.pos); this.pos += 8; return v; }
      case 'D': { const scale = this.u8(); const v = this.buf.readInt32BE(this.pos); this.pos += 4; return v / 10 ** scale; }
      case 'S': return this.longstr().toString();
      case 'x': return Buffer.from(this.longstr());
      case 'F': return this.table();
      case 'A': {
        const end = this.pos + 4 + this.buf.readUInt32BE(this.pos);
        this.pos += 4;
        const out = [];
        while (this.pos < end) out.push(this.value());
        return out;
      }
      case 'V': return null;
      default: throw new Error(`unknown AMQP field type ${kind}`);
    }
  }
  table() {
    const end = this.pos + 4 + this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    const out = {};
    while (this.pos < end) {
      const k = this.shortstr();
      out[k] = this.value();
    }
    return out;
  }
}

const PROPS = [   // basic properties, highest flag bit first
  ['contentType', 'shortstr'], ['contentEncoding', 'shortstr'], ['headers', 'table'],
  ['deliveryMode', 'u8'], ['priority', 'u8'], ['correlationId', 'shortstr'], ['replyTo', 'shortstr'],
  ['expiration', 'shortstr'], ['messageId', 'shortstr'], ['timestamp', 'u64'], ['type', 'shortstr'],
  ['userId', 'shortstr'], ['appId', 'shortstr'], ['clusterId', 'shortstr'],
];

function frame(type, channel, payload) {
  const head = Buffer.alloc(7);
  head.writeUInt8(type, 0);
  head.writeUInt16BE(channel, 1);
  head.writeUInt32BE(payload.length, 3);
  return Buffer.concat([head, payload, Buffer.from([FRAME_END])]);
}

// One connection with one channel; calls are made one at a time.
export class AmqpClient {
  constructor(sock) {
    this.sock = sock;
    this.pending = Buffer.alloc(0);
    this.waiters = [];      // resolve/reject of the RPC in progress, in order
    this.content = null;    // a get-ok waiting for its header and body
    this.closed = false;
    this.frameMax = 131072;
    sock.on('data', (d) => this.onData(d));
    sock.on('error', (e) => this.fail(e));
    sock.on('close', () => this.fail(new Error('AMQP connection closed')));
  }

  fail(err) {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  onData(d) {
    this.pending = Buffer.concat([this.pending, d]);
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(3);
      if (this.pending.length < size + 8) break;
      const type = this.pending.readUInt8(0);
      const channel = this.pending.readUInt16BE(1);
      const payload = this.pending.subarray(7, 7 + size);
      this.pending = this.pending.subarray(size + 8);
      try {
        this.onFrame(type, channel, Buffer.from(payload));
      } catch (e) {
        this.fail(e);
        this.sock.destroy();
        return;
      }
    }
  }

  onFrame(type, channel, payload) {
    if (type === FRAME_HEARTBEAT) return;
    if (type === FRAME_METHOD) {
      const r = new Reader(payload);
      const id = r.u16() * 65536 + r.u16();
      if (id === M.CLOSE || id === M.CH_CLOSE) {
        const code = r.u16();
        const text = r.shortstr();
        this.send(FRAME_METHOD, id === M.CLOSE ? 0 : channel,
          new Writer().u16(id === M.CLOSE ? 10 : 20).u16(id === M.CLOSE ? 51 : 41).buffer());
        this.fail(new Error(`AMQP ${id === M.CLOSE ? 'connection' : 'channel'} closed: ${code} ${text}`));
        return;
      }
      if (id === M.GET_OK) {
        const deliveryTag = r.u64();
        const redelivered = (r.u8() & 1) === 1;
        const exchange = r.shortstr();
        const routingKey = r.shortstr();
        const messageCount = r.u32();
        this.content = { deliveryTag, redelivered, exchange, routingKey, messageCount, body: [], size: 0 };
        return;
      }
      this.resolve({ id, r });
      return;
    }
    if (type === FRAME_HEADER && this.content) {
      const r = new Reader(payload);
      r.u16(); r.u16();
      this.content.size = r.u64();
      const flags = r.u16();
      const properties = {};
      PROPS.forEach(([name, kind], i) => {
        if (flags & (1 << (15 - i))) properties[name] = r[kind]();
      });
      this.content.properties = properties;
      if (this.content.size === 0) this.finishContent();
      return;
    }
    if (type === FRAME_BODY && this.content) {
      this.content.body.push(payload);
      const got = this.content.body.reduce((n, b) => n + b.length, 0);
      if (got >= this.content.size) this.finishContent();
    }
  }

  finishContent() {
    const c = this.content;
    this.content = null;
    c.body = Buffer.concat(c.body);
    delete c.size;
    this.resolve({ id: M.GET_OK, message: c });
  }

  resolve(v) {
    const w = this.waiters.shift();
    if (w) w.resolve(v);
  }

  send(type, channel, payload) {
    this.sock.write(frame(type, channel, payload));
  }

  // Sends a method and waits for the next method (or message) back.
  rpc(channel, cls, id, args = Buffer.alloc(0), { expect = null } = {}) {
    if (this.closed) return Promise.reject(new Error('AMQP connection closed'));
    return new Promise((resolve, reject) => {
      this.waiters.push({
        resolve: (v) => {
          if (expect && !expect.includes(v.id)) reject(new Error(`unexpected AMQP method ${v.id}`));
          else resolve(v);
        },
        reject,
      });
      this.send(FRAME_METHOD, channel, Buffer.concat([new Writer().u16(cls).u16(id).buffer(), args]));
    });
  }

  async handshake(user, password, vhost) {
    const started = new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.sock.write(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'));
    const start = await started;
    if (start.id !== M.START) throw new Error('no connection.start');
    const tune = await this.rpc(0, 10, 11, new Writer()
      .table({ product: 'robot-shop tests', capabilities: { 'basic.nack': true } })
      .shortstr('PLAIN').longstr(`\0${user}\0${password}`).shortstr('en_US').buffer(),
    { expect: [M.TUNE] });
    tune.r.u16();
    const frameMax = tune.r.u32();
    if (frameMax > 0) this.frameMax = frameMax;
    this.send(FRAME_METHOD, 0, new Writer().u16(10).u16(31).u16(1).u32(this.frameMax).u16(0).buffer());
    await this.rpc(0, 10, 40, new Writer().shortstr(vhost).shortstr('').u8(0).buffer(), { expect: [M.OPEN_OK] });
    await this.rpc(1, 20, 10, new Writer().shortstr('').buffer(), { expect: [M.CH_OPEN_OK] });
    return this;
  }

  // queue.declare; passive only asks. {messageCount, consumerCount}
  async declareQueue(queue, { passive = false, durable = true } = {}) {
    const bits = (passive ? 1 : 0) | (durable ? 2 : 0);
    const { r } = await this.rpc(1, 50, 10, new Writer().u16(0).shortstr(queue).u8(bits).table({}).buffer(),
      { expect: [M.Q_DECLARE_OK] });
    r.shortstr();
    return { messageCount: r.u32(), consumerCount: r.u32() };
  }

  queueInfo(queue) {
    return this.declareQueue(queue, { passive: true });
  }

  async purge(queue) {
    const { r } = await this.rpc(1, 50, 30, new Writer().u16(0).shortstr(queue).u8(0).buffer(),
      { expect: [M.Q_PURGE_OK] });
    return r.u32();
  }

  // basic.publish (no confirm): body is a string or a Buffer.
  publish(exchange, routingKey, body, { headers, contentType = 'application/json', persistent = true } = {}) {
    const data = Buffer.isBuffer(body) ? body : Buffer.from(body);
    this.send(FRAME_METHOD, 1, new Writer().u16(60).u16(40).u16(0).shortstr(exchange).shortstr(routingKey)
      .u8(0).buffer());
    // properties in flag order: content-type, headers, delivery-mode
    const flags = 0x8000 | (headers ? 0x2000 : 0) | 0x1000;
    const ordered = new Writer().shortstr(contentType);
    if (headers) ordered.table(headers);
    ordered.u8(persistent ? 2 : 1);
    this.send(FRAME_HEADER, 1, Buffer.concat([
      new Writer().u16(60).u16(0).u64(data.length).u16(flags).buffer(), ordered.buffer()]));
    const max = this.frameMax - 8;
    for (let off = 0; off < data.length; off += max)
      this.send(FRAME_BODY, 1, data.subarray(off, off + max));
  }

  // basic.get: the message ({body, properties, deliveryTag, redelivered}) or null.
  async get(queue, { noAck = true } = {}) {
    const v = await this.rpc(1, 60, 70, new Writer().u16(0).shortstr(queue).u8(noAck ? 1 : 0).buffer(),
      { expect: [M.GET_OK, M.GET_EMPTY] });
    return v.id === M.GET_EMPTY ? null : v.message;
  }

  ack(deliveryTag) {
    this.send(FRAME_METHOD, 1, new Writer().u16(60).u16(80).u64(deliveryTag).u8(0).buffer());
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
    try {
      await this.rpc(0, 10, 50, new Writer().u16(200).shortstr('bye').u16(0).u16(0).buffer(),
        { expect: [M.CLOSE_OK] });
    } catch {
      // already gone
    }
    this.closed = true;
    this.sock.destroy();
  }
}

export function amqpConnect(port, { user = 'guest', password = 'guest', vhost = '/', timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('AMQP connect timed out')); }, timeoutMs);
    sock.once('error', (e) => { clearTimeout(timer); reject(e); });
    sock.once('connect', () => {
      new AmqpClient(sock).handshake(user, password, vhost).then((c) => {
        clearTimeout(timer);
        resolve(c);
      }, (e) => {
        clearTimeout(timer);
        sock.destroy();
        reject(e);
      });
    });
  });
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
