/**
 * No import cycle anywhere in the tree: a module graph read from the .ts sources (every `import ... from`,
 * `import type`, `export ... from` and `import('...')` with a relative path; type-only imports count too, since a
 * type cycle ties two modules' designs together as much as a value cycle), checked for strongly connected
 * components larger than one module, or a module importing itself.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const SKIP = new Set(['node_modules', 'dist', 'coverage', 'out', '.git']);

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) tsFiles(full, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** Relative module specifiers a source file imports or re-exports. */
export function importedSpecifiers(text: string): string[] {
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'";]*?\sfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (const m of text.matchAll(re)) if (m[1]?.startsWith('.')) found.push(m[1]);
  return found;
}

function resolveModule(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Strongly connected components with more than one module, or a self-import (Tarjan). */
export function importCycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    for (;;) {
      const w = stack.pop() as string;
      onStack.delete(w);
      scc.push(w);
      if (w === v) break;
    }
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(scc.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe('import graph', () => {
  it('finds a cycle it is shown (the walker works)', () => {
    expect(importedSpecifiers("import type { A } from './a';\nexport { b } from '../b';\nimport x from 'yargs';\nconst c = import('./c');")).toEqual(['./a', '../b', './c']);
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a', 'd']],
      ['e', []],
    ]);
    expect(importCycles(graph)).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('has no import cycle anywhere in the tree', () => {
    const files = tsFiles(ROOT);
    expect(files.length).toBeGreaterThan(100);
    const graph = new Map<string, string[]>();
    for (const file of files) {
      const deps = importedSpecifiers(fs.readFileSync(file, 'utf8'))
        .map((spec) => resolveModule(file, spec))
        .filter((d): d is string => d !== undefined);
      graph.set(path.relative(ROOT, file), deps.map((d) => path.relative(ROOT, d)));
    }
    expect(importCycles(graph)).toEqual([]);
  });
});
