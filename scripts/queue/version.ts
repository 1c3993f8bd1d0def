/**
 * The version a queue job is made by and a worker runs: package.json's version plus a hash of the build itself
 * (every compiled module under dist/ but the tests, and the pinned dependency versions). package.json's version
 * stays 0.1.0 across builds that give different numbers; the hash does not, so a worker of another build refuses
 * a job instead of answering it with other code, and a result in Redis is reused only by the same build.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { distRoot } from '../sweep/run-points';

/** Characters of the build hash in the version (48 bits: a collision between two builds is not a concern). */
const BUILD_HASH_CHARS = 12;

/** The compiled modules of a build, as sorted paths relative to `root` (tests and source maps left out). */
export function buildFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!(dir === root && entry.name === 'test')) walk(full);
      } else if (entry.name.endsWith('.js')) files.push(path.relative(root, full).split(path.sep).join('/'));
    }
  };
  walk(root);
  return files.sort();
}

/** `<package version>+<hash of the build's modules and pinned dependencies>`, e.g. 0.1.0+3f2a9c1e0b7d. */
export function buildVersion(root: string, pkg: { version: string; dependencies?: unknown }): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(pkg.dependencies ?? {}));
  const files = buildFiles(root);
  if (files.length === 0) throw new Error(`no compiled modules under ${root}: build with 'npx tsc -p .' first.`);
  for (const file of files) {
    hash.update(`\0${file}\0`);
    hash.update(fs.readFileSync(path.join(root, file)));
  }
  return `${pkg.version}+${hash.digest('hex').slice(0, BUILD_HASH_CHARS)}`;
}

/** The package.json named lrmp above `dir`. */
export function lrmpPackage(dir: string): { version: string; dependencies?: unknown } {
  for (let d = dir; ; d = path.dirname(d)) {
    const file = path.join(d, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown; dependencies?: unknown };
      if (pkg.name === 'lrmp' && typeof pkg.version === 'string') return { version: pkg.version, dependencies: pkg.dependencies };
    }
    if (path.dirname(d) === d) throw new Error(`lrmp's package.json not found above ${dir}`);
  }
}

let cached: string | undefined;

/** This build's version, computed once per process (a few tens of ms: only queue commands ask for it). */
export function lrmpVersion(): string {
  if (cached === undefined) {
    const root = distRoot();
    cached = buildVersion(root, lrmpPackage(root));
  }
  return cached;
}
