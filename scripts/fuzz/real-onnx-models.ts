/**
 * The real published ONNX models the 'real-onnx' fuzz kind mutates: the catalogue's committed fixtures (so CI has
 * them), and with `LRMP_FUZZ_REAL_ONNX=cached` also the catalogued models already fetched into the model cache
 * (`LRMP_MODEL_CACHE`, scripts/real-models/fetch.ts) up to 12 MB; nothing is downloaded here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REAL_MODELS } from '../real-models/catalog';
import { cacheDir } from '../real-models/fetch';

export interface FuzzRealModel {
  name: string;
  /** File name the case writes it as (its extension tells lrmp it is ONNX). */
  file: string;
  bytes: Uint8Array;
  /** `--input-shape` the unmutated model needs, if any. */
  inputSpec?: string | undefined;
  /** `--set` entries it needs to map. */
  sets: string[];
}

const MAX_CACHED_BYTES = 12 * 1024 * 1024;
const CACHED_TILES = 512;

function fixturesDir(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'test', 'fixtures');
}

let loaded: FuzzRealModel[] | undefined;

/** The models, read once per process, in catalogue order. */
export function fuzzRealModels(): FuzzRealModel[] {
  if (loaded) return loaded;
  const withCache = process.env['LRMP_FUZZ_REAL_ONNX'] === 'cached';
  const out: FuzzRealModel[] = [];
  for (const m of REAL_MODELS) {
    let file: string | undefined;
    if (m.fixture !== undefined && fs.existsSync(path.join(fixturesDir(), m.fixture))) file = path.join(fixturesDir(), m.fixture);
    else if (withCache) {
      const cached = path.join(cacheDir(), m.npmPackage.replace(/[@/]/g, '_'), `${m.name}.onnx`);
      if (fs.existsSync(cached) && fs.statSync(cached).size <= MAX_CACHED_BYTES) file = cached;
    }
    if (file === undefined) continue;
    // A cached model may need more tiles than PUMA's 138 (ppocr-rec-v4: 140); check.ts enlarges the chip likewise.
    const sets = m.fixture === undefined ? [...(m.sets ?? []), `chip.tiles=${CACHED_TILES}`] : (m.sets ?? []);
    out.push({ name: m.name, file: 'm.onnx', bytes: fs.readFileSync(file), inputSpec: m.inputSpec, sets });
  }
  if (out.length === 0) throw new Error(`real-onnx fuzz: no model found under ${fixturesDir()}`);
  loaded = out;
  return out;
}
