// helm-template.mjs - `make helm-template [VALUES=file]`: prints the Helm
// chart deploy/helm/robot-shop rendered with its defaults, or with the given
// values files laid over them, after checking the values against the
// chart's values.schema.json. Exits 1 with the reasons when either fails.
import { renderChartText } from './lib/helm.mjs';

// A reader that stops early (| head) is no error.
process.stdout.on('error', (err) => process.exit(err.code === 'EPIPE' ? 0 : 1));

try {
  process.stdout.write(renderChartText(process.argv.slice(2)));
} catch (err) {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
