// stack.test.mjs - startStack() (lib/stack.mjs) with a stand-in for
// scripts/stack: a small script that makes the shop's logs directory on
// run and can fail either command or leave a sanitizer report in a log.
// stop() fails on the report and on a failed stop, and in every case the
// directory is removed and the port offset released; a shop that does not
// start leaves nothing behind either.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startStack } from './lib/stack.mjs';
import { removeDir, tempDir } from './lib/service.mjs';

// FAKE_MODE: clean, asan (a report in cart.log), run-fails, stop-fails.
// FAKE_RECORD: a file the script writes its STACK_DIR and offset to.
const FAKE_STACK = `#!/bin/sh
printf '%s %s\\n' "$STACK_DIR" "$STACK_PORT_OFFSET" >"$FAKE_RECORD"
case "$1" in
run)
  mkdir -p "$STACK_DIR/logs"
  echo '{"msg":"listening"}' >"$STACK_DIR/logs/web.log"
  [ "$FAKE_MODE" = run-fails ] && { echo 'catalogue did not start' >&2; exit 3; }
  if [ "$FAKE_MODE" = asan ]; then
    printf '%s\\n' '{"msg":"listening"}' '=================================================================' \\
      '==4242==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010' \\
      '    #0 0x55d0 in cart_total src/cart/cart.c:42' >"$STACK_DIR/logs/cart.log"
  fi
  echo 'storefront: http://127.0.0.1:8080/' ;;
stop)
  [ "$FAKE_MODE" = stop-fails ] && { echo 'supervisord did not stop' >&2; exit 1; }
  echo stopped ;;
esac
`;

const lockFile = (offset) => path.join(tmpdir(), 'robot-shop-stack-offsets', String(offset));

describe('startStack', () => {
  let dir, script, record;

  before(() => {
    dir = tempDir('rs-stack-test-');
    script = path.join(dir, 'stack');
    record = path.join(dir, 'record');
    writeFileSync(script, FAKE_STACK);
    chmodSync(script, 0o755);
  });

  after(() => removeDir(dir));

  const start = (mode) => startStack('rs-stack-test-shop-', { FAKE_MODE: mode, FAKE_RECORD: record }, { script });

  // The stack directory and offset the script was last run with.
  function recorded() {
    const [stackDir, offset] = readFileSync(record, 'utf8').trim().split(' ');
    return { stackDir, offset: Number(offset) };
  }

  function assertCleanedUp(stackDir, offset) {
    assert.equal(existsSync(stackDir), false, `${stackDir} is left behind`);
    assert.equal(existsSync(lockFile(offset)), false, `offset ${offset} is still reserved`);
  }

  test('a clean run: the addresses on its offset, and a stop that cleans up', async () => {
    const stack = await start('clean');
    assert.deepEqual(recorded(), { stackDir: stack.dir, offset: stack.offset });
    assert.ok(existsSync(stack.dir));
    assert.equal(readFileSync(lockFile(stack.offset), 'utf8'), String(process.pid));
    assert.equal(stack.url, `http://127.0.0.1:${8080 + stack.offset}`);
    assert.equal(stack.port(19090), 19090 + stack.offset);
    assert.equal(stack.urlAt(8086), `http://127.0.0.1:${8086 + stack.offset}`);
    assert.equal(stack.env.STACK_DIR, stack.dir);
    assert.equal(stack.env.FAKE_MODE, 'clean');
    await stack.stop();
    assertCleanedUp(stack.dir, stack.offset);
    await stack.stop();   // once only: a second call answers the same
  });

  test('a sanitizer report in a log fails stop(), which still cleans up', async () => {
    const stack = await start('asan');
    await assert.rejects(stack.stop(),
      /cart\.log: sanitizer report:\n==4242==ERROR: AddressSanitizer: heap-use-after-free/);
    assertCleanedUp(stack.dir, stack.offset);
    await assert.rejects(stack.stop(), /sanitizer report/);
  });

  test('a failed scripts/stack stop fails stop(), which still cleans up', async () => {
    const stack = await start('stop-fails');
    await assert.rejects(stack.stop(), /scripts\/stack stop failed \(1\):\n[^]*supervisord did not stop/);
    assertCleanedUp(stack.dir, stack.offset);
  });

  test('a shop that does not start fails startStack and leaves nothing behind', async () => {
    await assert.rejects(start('run-fails'), /scripts\/stack run failed \(3\):\n[^]*catalogue did not start/);
    const { stackDir, offset } = recorded();
    assert.match(path.basename(stackDir), /^rs-stack-test-shop-/);
    assertCleanedUp(stackDir, offset);
  });
});
