// rsload.mjs - runs the rs-load binary for the black-box tests: to its end
// (killed after timeoutMs), with its exit code, output, how long it took,
// and the results document when it wrote one to jsonFile.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BUILD_DIR } from './service.mjs';

export const RS_LOAD = path.join(BUILD_DIR, 'src', 'load', 'rs-load');

export function runRsLoad(argv, { jsonFile, timeoutMs = 30000, onStart } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(RS_LOAD, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    onStart?.(child);
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rs-load ${argv.join(' ')} did not end within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const result = { code, signal, stdout, stderr, ms: Date.now() - started, file: jsonFile };
      if (jsonFile && existsSync(jsonFile)) result.doc = JSON.parse(readFileSync(jsonFile, 'utf8'));
      resolve(result);
    });
  });
}
