/**
 * A private redis-server for the queue's tests and benchmark: a free loopback port, a temporary folder, the
 * append-only file fsync'ed on every write (so a restart loses nothing acknowledged), stopped by its own pid.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
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

async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      text += d.toString();
      if (text.includes('\r\n')) {
        socket.destroy();
        resolve(text.startsWith('+PONG'));
      }
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(text.startsWith('+PONG')));
  });
}

export class LocalRedis {
  private child: ChildProcess | undefined;

  private constructor(
    readonly executable: string,
    readonly port: number,
    readonly dir: string,
  ) {}

  /** redis://127.0.0.1:port/db */
  url(db = 0): string {
    return `redis://127.0.0.1:${this.port}/${db}`;
  }

  static async start(executable = findRedisServer()): Promise<LocalRedis> {
    if (executable === undefined) throw new Error(`redis-server not found on PATH; ${REDIS_INSTALL_HINT}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-redis-'));
    const server = new LocalRedis(executable, await freePort(), dir);
    await server.launch();
    return server;
  }

  private async launch(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no', '--logfile', path.join(this.dir, 'redis.log')];
    const child = spawn(this.executable, args, { stdio: 'ignore' });
    this.child = child;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    for (let i = 0; i < 200; i++) {
      if (await answersPing(this.port)) return;
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
