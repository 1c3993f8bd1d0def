/**
 * A private redis-server for the queue's tests and benchmark: a free loopback port, a temporary folder, the
 * append-only file fsync'ed on every write (so a restart loses nothing acknowledged), stopped by its own pid.
 * Optionally TLS only (rediss://, the certificate's files given) and further server arguments (a password).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { spawn, type ChildProcess } from 'node:child_process';

/** How to get the server on Debian/Ubuntu, for the notice printed when it is missing. */
export const REDIS_INSTALL_HINT = 'install it with: apt-get install -y redis-server (Debian/Ubuntu) or brew install redis';

/** The redis-server executable on PATH, or undefined. */
export function findRedisServer(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const file = path.join(dir, 'redis-server');
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The server's TLS files: its certificate and key, and the CA that signed it (the same file when self-signed). */
export interface LocalRedisTls {
  certFile: string;
  keyFile: string;
  caFile: string;
}

export interface LocalRedisOptions {
  /** @default redis-server on PATH */
  executable?: string | undefined;
  /** Serve TLS only (rediss://), with these files; clients are not asked for certificates. */
  tls?: LocalRedisTls | undefined;
  /** The password of `--requirepass` in `args`, for url(). */
  password?: string | undefined;
  /** More redis-server arguments, after lrmp's (e.g. --requirepass). */
  args?: readonly string[] | undefined;
}

/** True once the server answers (PONG, or NOAUTH when it wants a password: it is up either way). */
async function answersPing(port: number, tlsFiles?: LocalRedisTls): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsFiles === undefined ? net.connect(port, '127.0.0.1') : tls.connect({ port, host: '127.0.0.1', ca: fs.readFileSync(tlsFiles.caFile) });
    let text = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.on(tlsFiles === undefined ? 'connect' : 'secureConnect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      text += d.toString();
      if (text.includes('\r\n')) {
        socket.destroy();
        resolve(/^(\+PONG|-NOAUTH)/.test(text));
      }
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(/^(\+PONG|-NOAUTH)/.test(text)));
  });
}

export class LocalRedis {
  private child: ChildProcess | undefined;

  private constructor(
    readonly executable: string,
    readonly port: number,
    readonly dir: string,
    private readonly options: LocalRedisOptions,
  ) {}

  /** redis://127.0.0.1:port/db (rediss:// with TLS; with the password when there is one) */
  url(db = 0): string {
    const auth = this.options.password !== undefined ? `:${encodeURIComponent(this.options.password)}@` : '';
    return `${this.options.tls !== undefined ? 'rediss' : 'redis'}://${auth}127.0.0.1:${this.port}/${db}`;
  }

  static async start(options: LocalRedisOptions = {}): Promise<LocalRedis> {
    const executable = options.executable ?? findRedisServer();
    if (executable === undefined) throw new Error(`redis-server not found on PATH; ${REDIS_INSTALL_HINT}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-redis-'));
    const server = new LocalRedis(executable, await freePort(), dir, options);
    await server.launch();
    return server;
  }

  private async launch(): Promise<void> {
    const t = this.options.tls;
    const listen = t === undefined
      ? ['--port', String(this.port)]
      : ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', t.certFile, '--tls-key-file', t.keyFile, '--tls-ca-cert-file', t.caFile, '--tls-auth-clients', 'no'];
    const args = [...listen, '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no', '--logfile', path.join(this.dir, 'redis.log'), ...(this.options.args ?? [])];
    const child = spawn(this.executable, args, { stdio: 'ignore' });
    this.child = child;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    for (let i = 0; i < 200; i++) {
      if (await answersPing(this.port, this.options.tls)) return;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    await exited;
    const log = fs.existsSync(path.join(this.dir, 'redis.log')) ? fs.readFileSync(path.join(this.dir, 'redis.log'), 'utf8').split('\n').slice(-5).join('\n') : '';
    throw new Error(`redis-server did not start on 127.0.0.1:${this.port}\n${log}`);
  }

  /** Stops the server (SIGTERM: it flushes the append-only file) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }

  /** Stops and starts it again on the same port and data (what a server restart does to clients). */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Stops the server and removes its folder. */
  async destroy(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
