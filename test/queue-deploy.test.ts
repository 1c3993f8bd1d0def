/**
 * The queue as it is deployed, against a real redis-server and real lrmp processes: over TLS (rediss://, a
 * throwaway self-signed certificate made with openssl, trusted through node's own NODE_EXTRA_CA_CERTS), and
 * docs/compose.yaml's own commands (docker itself is not run here: there is no Docker daemon on the test machine).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { LocalRedis } from '../scripts/queue/local-redis';
import { CLI, describeWithRedis, readRows, startWorker, stopWorker, type WorkerProcess } from './helpers/queue';

const ROOT = path.join(__dirname, '..');

/** Runs the lrmp CLI as a child process; resolves with its exit code and output. */
function lrmp(args: readonly string[], env: NodeJS.ProcessEnv = process.env, cli = CLI): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env, cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Waits until a worker says it listens (its first log line). */
async function ready(w: WorkerProcess): Promise<void> {
  for (let i = 0; i < 600 && !w.log().includes(' at once, on '); i++) {
    if (w.child.exitCode !== null) throw new Error(`lrmp worker exited: ${w.log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Splits a comment's shell command line into words (plain words only: the compose file's examples are). */
function words(line: string): string[] {
  return line.trim().split(/\s+/);
}

describeWithRedis('the queue as deployed (real redis-server, real lrmp processes)', () => {
  let dir: string;
  let workers: WorkerProcess[] = [];

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-queue-deploy-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    await Promise.all(workers.map((w) => stopWorker(w)));
    workers = [];
  });

  test('rediss:// (TLS): a sweep over a TLS-only Redis with a self-signed certificate; without trusting it, one clear error', async () => {
    const cert = path.join(dir, 'redis.crt');
    const key = path.join(dir, 'redis.key');
    // A throwaway self-signed certificate for 127.0.0.1 (an EC key: quick to make).
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const server = await LocalRedis.start({ tls: { certFile: cert, keyFile: key, caFile: cert } });
    try {
      const url = server.url(0);
      expect(url).toMatch(/^rediss:\/\/127\.0\.0\.1:\d+\/0$/);
      const trusted = { ...process.env, NODE_EXTRA_CA_CERTS: cert };
      const worker = startWorker(url, [], CLI, trusted);
      workers.push(worker);
      const out = path.join(dir, 'tls.csv');
      const run = await lrmp(['sweep', '--queue', url, '--network', 'lenet5-mnist', '--vary', 'crossbar.rows=64,128', '--out', out], trusted);
      expect(run.stderr).not.toMatch(/error/i);
      expect(run.code).toBe(0);
      const rows = readRows(out);
      expect(rows).toHaveLength(2);
      expect(rows.map((r) => r['error'])).toEqual(['', '']);
      expect(worker.log()).toMatch(/done in/);
      // A client that does not trust the certificate: the driver's reason, no retrying forever, exit 2.
      const { NODE_EXTRA_CA_CERTS: _, ...untrusted } = process.env;
      const refused = await lrmp(['sweep', '--queue', url, '--network', 'lenet5-mnist', '--vary', 'crossbar.rows=64,128', '--out', path.join(dir, 'untrusted.csv')], untrusted);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/cannot reach Redis at rediss:\/\/127\.0\.0\.1:\d+\/0: .*self[- ]signed certificate/);
      expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace
      // A plain client against the TLS port is refused too (it does not hang).
      const plain = await lrmp(['sweep', '--queue', url.replace('rediss:', 'redis:'), '--network', 'lenet5-mnist', '--vary', 'crossbar.rows=64', '--out', path.join(dir, 'plain.csv')]);
      expect(plain.code).toBe(2);
      expect(plain.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/0/);
    } finally {
      await Promise.all(workers.map((w) => stopWorker(w)));
      workers = [];
      await server.destroy();
    }
  }, 90_000);

  test("docs/compose.yaml: its Redis and worker commands, and the sweep in its header, run as written (host and port mapped)", async () => {
    const composeFile = path.join(ROOT, 'docs', 'compose.yaml');
    const text = fs.readFileSync(composeFile, 'utf8');
    // js-yaml: the YAML parser jest itself installs (a dev dependency here).
    const yaml = require('js-yaml') as { load(text: string): unknown };
    const compose = yaml.load(text) as { services: Record<string, { image: string; command: string[]; working_dir?: string; volumes?: string[] }> };
    const redis = compose.services['redis'];
    const worker = compose.services['worker'];
    if (redis === undefined || worker === undefined) throw new Error(`${composeFile}: services 'redis' and 'worker' expected`);
    expect(redis.command[0]).toBe('redis-server');
    const password = redis.command[redis.command.indexOf('--requirepass') + 1] ?? '';
    expect(password).not.toBe('');
    // The worker runs this checkout, mounted at its working_dir: the command's script must exist here.
    const mount = (worker.volumes ?? []).map((v) => v.split(':')).find(([, target]) => target === worker.working_dir);
    expect(mount).toBeDefined();
    const checkout = path.resolve(path.dirname(composeFile), mount?.[0] ?? '');
    expect(checkout).toBe(ROOT);
    const [node, script, ...args] = worker.command;
    expect(node).toBe('node');
    expect(fs.existsSync(path.join(checkout, script ?? ''))).toBe(true);
    // Redis with the compose file's own arguments (on a private port and folder).
    const server = await LocalRedis.start({ args: redis.command.slice(1), password });
    try {
      const local = (url: string): string => url.replace(/@[^:/]+:6379\//, `@127.0.0.1:${server.port}/`);
      const w = startWorker('', [], path.join(checkout, script ?? ''), process.env, args.map(local));
      workers.push(w);
      await ready(w);
      expect(w.log()).toContain(`on redis://:***@127.0.0.1:${server.port}/0`);
      // The header's sweep, as written but for the host, the output file, and a small network with few episodes
      // (the CI budget: its options are all checked, its ResNet-18 points would take minutes).
      const header = text.split('\n').find((l) => l.includes('lrmp sweep --queue')) ?? '';
      const [npx, bin, ...sweep] = words(header.replace(/^#\s*/, ''));
      expect([npx, bin]).toEqual(['npx', 'lrmp']);
      const out = path.join(dir, 'compose.csv');
      const argv = sweep.map(local).map((a) => (a === 'out/sweep.csv' ? out : a));
      const run = await lrmp([...argv, '--network', 'lenet5-mnist', '--episodes', '2']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const rows = readRows(out);
      expect(rows.length).toBeGreaterThanOrEqual(2);
      expect(rows.map((r) => r['error']).filter((e) => e !== '')).toEqual([]);
      expect(rows.every((r) => Number(r['throughput_improvement']) > 1)).toBe(true);
    } finally {
      await Promise.all(workers.map((x) => stopWorker(x)));
      workers = [];
      await server.destroy();
    }
  }, 120_000);
});
