// otlp-sink.mjs - an OTLP/HTTP receiver that takes every batch and keeps
// nothing, for bench/run tracing: node bench/otlp-sink.mjs PORT. It prints
// the number of batches it took when it is stopped (SIGTERM).
import { startReceiver } from '../tests/api/lib/otlp.mjs';

const receiver = await startReceiver({ discard: true, port: Number(process.argv[2]) });
process.on('SIGTERM', async () => {
  console.log(`otlp-sink: ${receiver.posts} batches taken`);
  await receiver.close();
  process.exit(0);
});
