/**
 * The fuzz harness's seeded generator: malformed and odd inputs of every kind a user can type or hand over
 * (arch fields and --set values, arch files, plans, network JSON, NeuroSim CSV, truncated and bit-flipped ONNX, CLI
 * options). Each case is a command line plus the files it names, and says whether lrmp must refuse it.
 *
 * `mustReject` is decided here from what the value plainly is (negative counts, fractions of counts, text where a
 * number belongs, 1e308 anywhere, unknown keys, truncated JSON), not from lrmp's own range table, so the harness
 * can catch a range that is too loose.
 */
import seedrandom from 'seedrandom';
import { presetArch } from '../../arch/presets';
import { archFieldPaths, fieldKind, fieldRange, valueAt } from '../../arch/validate';
import { networkToOnnx } from '../../test/helpers/onnx-builder';
import type { Network } from '../../workloads/types';
import { cliOptionCase } from './cli-cases';
import { realOnnxCase } from './real-onnx';
import { supportedOnnxOps } from '../../workloads/onnx';
import { DEFAULT_KINDS, int, JSON_VALUES, NUMBER_TEXTS, pick, plainlyBadJson, plainlyBadText, ZOO_SMALL, type FuzzCase, type InputKind, type Rng } from './values';

export { DEFAULT_KINDS, INPUT_KINDS, type FuzzCase, type FuzzFile, type InputKind } from './values';

/** A small valid CNN: convs (with pools) then an fc layer. */
function tinyNetwork(rng: Rng): Network {
  const size = pick(rng, [8, 16, 28, 32]);
  const layers: Network['layers'] = [];
  const convs = int(rng, 1, 3);
  for (let i = 0; i < convs; i++) {
    layers.push({ kind: 'conv', name: `conv${i}`, inputs: [], outChannels: pick(rng, [4, 8, 16, 32]), kernel: [3, 3], stride: [1, 1], pad: [1, 1, 1, 1], dilation: [1, 1], groups: 1, bias: true });
    layers.push({ kind: 'activation', name: `relu${i}`, inputs: [], fn: 'relu' });
    if (rng() < 0.5) layers.push({ kind: 'pool', name: `pool${i}`, inputs: [], op: 'max', kernel: [2, 2], stride: [2, 2], pad: [0, 0, 0, 0], global: false, ceilMode: false });
  }
  layers.push({ kind: 'pass', name: 'flat', inputs: [], fn: 'flatten' });
  layers.push({ kind: 'fc', name: 'fc', inputs: [], outFeatures: pick(rng, [10, 16, 100]), bias: true });
  return { name: 'tiny', input: { channels: pick(rng, [1, 3]), height: size, width: size }, layers };
}

/** The JSON form of a tiny network, the way a user writes it (scalars for pairs). */
function tinyNetworkJson(net: Network): Record<string, unknown> {
  return {
    name: net.name,
    input: { ...net.input },
    layers: net.layers.map((l) => {
      switch (l.kind) {
        case 'conv':
          return { name: l.name, kind: l.kind, outChannels: l.outChannels, kernel: 3, pad: 1 };
        case 'pool':
          return { name: l.name, kind: l.kind, op: l.op, kernel: 2 };
        case 'fc':
          return { name: l.name, kind: l.kind, outFeatures: l.outFeatures };
        case 'activation':
        case 'pass':
          return { name: l.name, kind: l.kind, fn: l.fn };
        default:
          return { name: l.name, kind: l.kind };
      }
    }),
  };
}

/** A command that consumes a network and an arch cheaply, writing JSON (or CSV) the classifier can check. */
function baseCommand(rng: Rng, network: string): string[] {
  const roll = rng();
  if (roll < 0.55) return ['analyze', '--network', network, '--format', 'json'];
  if (roll < 0.8) return ['simulate', '--network', network, '--images', String(int(rng, 1, 2)), '--format', 'json'];
  if (roll < 0.93) return ['sweep', '--network', network, '--vary', pick(rng, ['adc.bits=6,8', 'crossbar.rows=64,128', 'noc.flitBits=32,64']), '--out', '@sweep.csv', '--workers', '0'];
  return ['optimize', '--network', network, '--episodes', '2', '--no-confirm', '--top-k', '1', '--out', '@opt.json'];
}

/** Sets the value at a dotted path of a JSON object (creating groups on the way). */
function setAt(root: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = root;
  for (const key of keys.slice(0, -1)) {
    const child = node[key];
    if (typeof child !== 'object' || child === null || Array.isArray(child)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] ?? ''] = value;
}

function deleteAt(root: Record<string, unknown>, path: string): void {
  const keys = path.split('.');
  let node: unknown = root;
  for (const key of keys.slice(0, -1)) node = (node as Record<string, unknown>)[key];
  delete (node as Record<string, unknown>)[keys[keys.length - 1] ?? ''];
}

/** Text-level mutations shared by every JSON kind: truncation, deep nesting, __proto__, a flipped character. */
function mutateJsonText(rng: Rng, text: string): { text: string; mustReject: boolean; note: string } | undefined {
  const roll = rng();
  if (roll < 0.3) {
    const at = int(rng, 1, Math.max(1, text.trimEnd().length - 1));
    return { text: text.slice(0, at), mustReject: true, note: `truncated at byte ${at}` };
  }
  if (roll < 0.4) {
    const depth = pick(rng, [65, 500, 5000, 100000]);
    const nested = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    return { text: text.replace(/^\s*\{/, `{"deep": ${nested},`), mustReject: true, note: `${depth}-level nesting` };
  }
  if (roll < 0.5) return { text: text.replace(/^\s*\{/, '{"__proto__": {"x": 1},'), mustReject: true, note: '__proto__ key' };
  if (roll < 0.7) {
    const at = int(rng, 0, text.length - 1);
    const ch = String.fromCharCode(int(rng, 32, 126));
    return { text: text.slice(0, at) + ch + text.slice(at + 1), mustReject: false, note: `character ${at} set to ${JSON.stringify(ch)}` };
  }
  return undefined;
}

function archSetCase(rng: Rng, id: number): FuzzCase {
  const paths = archFieldPaths();
  const path = pick(rng, paths);
  const kind = fieldKind(path);
  const preset = presetArch(pick(rng, ['puma', 'isaac']));
  let text: string;
  let mustReject: boolean;
  if (kind === 'boolean') {
    text = pick(rng, ['true', 'false', 'yes', '1', '', 'TRUE']);
    mustReject = text !== 'true' && text !== 'false';
  } else if (kind === 'string') {
    text = pick(rng, ['x', '', ' ', 'digital', 'crossbar', 'other']);
    mustReject = text.trim() === '';
  } else {
    const integer = fieldRange(path)?.integer ?? false;
    if (rng() < 0.4) {
      text = pick(rng, NUMBER_TEXTS)[0];
    } else {
      // The preset's own value scaled by a power of ten: mostly near it, sometimes absurdly small or large.
      const base = Number(valueAt(preset, path));
      const exponent = rng() < 0.6 ? int(rng, -2, 2) : int(rng, -12, 12);
      const scaled = (base === 0 ? 1 : base) * 10 ** exponent;
      text = String(integer ? Math.round(scaled) : scaled);
    }
    mustReject = plainlyBadText(text, integer);
  }
  const argv = [...baseCommand(rng, pick(rng, ZOO_SMALL)), '--arch', preset.name, '--set', `${path}=${text}`];
  if (rng() < 0.05 && argv[0] === 'analyze') {
    // Legal extremes together: the largest chip with the most replicas must end in an answer or a clear error.
    argv.push('--set', `chip.tiles=${pick(rng, ['1048576', '65536'])}`, '--replicas', pick(rng, ['64', '512', '4096']));
  }
  return { id, kind: 'arch-set', argv, files: [], mustReject, note: `--set ${path}=${JSON.stringify(text)}` };
}

function archFileCase(rng: Rng, id: number): FuzzCase {
  const presetName = pick(rng, ['puma', 'isaac']);
  const full = rng() < 0.5;
  const doc: Record<string, unknown> = full ? (structuredClone(presetArch(presetName)) as unknown as Record<string, unknown>) : { base: presetName };
  let mustReject = false;
  let note: string;
  const path = pick(rng, archFieldPaths());
  const roll = rng();
  if (roll < 0.45) {
    const value = pick(rng, JSON_VALUES);
    setAt(doc, path, value);
    const kind = fieldKind(path);
    mustReject = kind === 'number' ? plainlyBadJson(value, fieldRange(path)?.integer ?? false) : typeof value !== (kind === 'boolean' ? 'boolean' : 'string');
    note = `${path} = ${JSON.stringify(value)}`;
  } else if (roll < 0.55) {
    if (full) deleteAt(doc, path);
    else setAt(doc, `${path}X`, 1);
    mustReject = true;
    note = full ? `${path} removed from a complete spec` : `unknown key ${path}X`;
  } else if (roll < 0.6) {
    setAt(doc, path.split('.')[0] ?? 'crossbar', pick(rng, [5, 'x', null, []]));
    mustReject = !(path.split('.').length === 1 && !full); // replacing a group (or a top-level leaf) by a scalar
    note = `group ${path.split('.')[0]} replaced by a scalar`;
    if (path.split('.').length === 1) mustReject = false;
  } else {
    note = 'valid file';
  }
  let text = JSON.stringify(doc, undefined, rng() < 0.5 ? 2 : undefined);
  const textual = roll >= 0.6 ? mutateJsonText(rng, text) : undefined;
  if (textual !== undefined) {
    text = textual.text;
    mustReject = textual.mustReject;
    note = textual.note;
  }
  const asOverride = !full && rng() < 0.3;
  const argv = [...baseCommand(rng, pick(rng, ZOO_SMALL)), ...(asOverride ? ['--arch', presetName, '--arch-file', '@arch.json'] : ['--arch', '@arch.json'])];
  if (asOverride) text = text.replace('"base":', '"baseX":').replace(/\{\s*"baseX":\s*"[a-z]+",?/, '{');
  return { id, kind: 'arch-file', argv, files: [{ name: 'arch.json', data: text }], mustReject, note: `${asOverride ? '--arch-file' : '--arch'}: ${note}` };
}

const LENET_LAYERS = ['conv1', 'conv2', 'fc1', 'fc2', 'fc3'];

function planCase(rng: Rng, id: number): FuzzCase {
  const plan: Record<string, unknown> = {
    network: 'lenet5-mnist',
    arch: 'puma',
    defaults: { wbits: int(rng, 2, 8), abits: int(rng, 2, 8), replicas: int(rng, 1, 3) },
    layers: { [pick(rng, LENET_LAYERS)]: { wbits: int(rng, 1, 16), replicas: int(rng, 1, 4) } },
  };
  let mustReject = false;
  let note = 'valid plan';
  const roll = rng();
  if (roll < 0.4) {
    const where = pick(rng, ['defaults.wbits', 'defaults.abits', 'defaults.replicas', `layers.${pick(rng, LENET_LAYERS)}.abits`, `layers.${pick(rng, LENET_LAYERS)}.replicas`]);
    const value = pick(rng, JSON_VALUES);
    setAt(plan, where, value);
    const bits = !where.endsWith('replicas');
    mustReject = plainlyBadJson(value, true) || value === 0 || (bits && typeof value === 'number' && value > 16) || (typeof value === 'number' && value >= 2 ** 31);
    note = `${where} = ${JSON.stringify(value)}`;
  } else if (roll < 0.5) {
    setAt(plan, pick(rng, ['layers.conv9', 'defaults.bits', 'extra', 'layers.conv1.precision']), 1);
    mustReject = true;
    note = 'unknown layer or key';
  } else if (roll < 0.55) {
    plan[pick(rng, ['defaults', 'layers', 'network'])] = null;
    mustReject = true;
    note = 'null field';
  } else if (roll < 0.6) {
    plan['network'] = 'resnet18';
    mustReject = true;
    note = 'plan for another network';
  }
  let text = JSON.stringify(plan);
  const textual = roll >= 0.6 ? mutateJsonText(rng, text) : undefined;
  if (textual !== undefined) ({ text, mustReject, note } = textual);
  const argv = [...baseCommand(rng, 'lenet5-mnist'), '--plan', '@plan.json'];
  if (argv[0] === 'optimize' || argv[0] === 'sweep') argv.splice(0, argv.length, 'analyze', '--network', 'lenet5-mnist', '--format', 'json', '--plan', '@plan.json');
  return { id, kind: 'plan', argv, files: [{ name: 'plan.json', data: text }], mustReject, note };
}

function networkJsonCase(rng: Rng, id: number): FuzzCase {
  const doc = tinyNetworkJson(tinyNetwork(rng));
  const layers = doc['layers'] as Array<Record<string, unknown>>;
  let mustReject = false;
  let note = 'valid network';
  const roll = rng();
  if (roll < 0.45) {
    const convs = layers.filter((l) => l['kind'] === 'conv' || l['kind'] === 'fc' || l['kind'] === 'pool');
    const layer = pick(rng, convs);
    const fields = layer['kind'] === 'fc' ? ['outFeatures'] : layer['kind'] === 'pool' ? ['kernel', 'stride', 'pad'] : ['outChannels', 'kernel', 'stride', 'pad', 'dilation', 'groups'];
    const field = pick(rng, fields);
    const value = pick(rng, [...JSON_VALUES, [3, 3], [1e9, 1], [2, 2, 2]]);
    layer[field] = value;
    const isPad = field === 'pad';
    mustReject = Array.isArray(value) ? value.length === 3 : plainlyBadJson(value, true) || (!isPad && value === 0);
    note = `${String(layer['name'])}.${field} = ${JSON.stringify(value)}`;
  } else if (roll < 0.6) {
    const field = pick(rng, ['channels', 'height', 'width']);
    const value = pick(rng, JSON_VALUES);
    (doc['input'] as Record<string, unknown>)[field] = value;
    mustReject = plainlyBadJson(value, true) || value === 0;
    note = `input.${field} = ${JSON.stringify(value)}`;
  } else if (roll < 0.65) {
    (layers[0] as Record<string, unknown>)['inputs'] = [pick(rng, ['nope', 'fc', ''])];
    mustReject = true;
    note = 'input from a missing or later layer';
  }
  let text = JSON.stringify(doc, undefined, 1);
  const textual = roll >= 0.65 ? mutateJsonText(rng, text) : undefined;
  if (textual !== undefined) ({ text, mustReject, note } = textual);
  return { id, kind: 'network-json', argv: baseCommand(rng, '@net.json'), files: [{ name: 'net.json', data: text }], mustReject, note };
}

function neurosimCsvCase(rng: Rng, id: number): FuzzCase {
  const rows: string[][] = [];
  let size = pick(rng, [16, 32]);
  let channels = 3;
  for (let i = 0; i < int(rng, 1, 3); i++) {
    const out = pick(rng, [8, 16]);
    const pool = rng() < 0.5 && size >= 4 ? 1 : 0;
    rows.push([size, size, channels, 3, 3, out, pool, 1].map(String));
    channels = out;
    if (pool === 1) size = Math.floor(size / 2);
  }
  // The classifier row: a kernel as large as its input makes it fully connected (NeuroSim's convention).
  rows.push([size, size, channels, size, size, 10, 0, 1].map(String));
  let mustReject = false;
  let note = 'valid CSV';
  const roll = rng();
  if (roll < 0.45) {
    const row = pick(rng, rows);
    const col = int(rng, 0, 7);
    const [text] = pick(rng, NUMBER_TEXTS);
    row[col] = text;
    mustReject = plainlyBadText(text, true) || Number(text.trim()) === 0 && col !== 6 || (col === 6 && !['0', '1', ' 7 '].includes(text) && Number(text) !== 0 && Number(text) !== 1);
    note = `row cell ${col} = ${JSON.stringify(text)}`;
  } else if (roll < 0.55) {
    pick(rng, rows).push('5');
    mustReject = true;
    note = 'a row with 9 columns';
  }
  let text = `${rng() < 0.5 ? 'IFM_H,IFM_W,IFM_C,K_H,K_W,OFM_C,followedByMaxPool,stride\n' : ''}${rows.map((r) => r.join(',')).join('\n')}\n`;
  if (roll >= 0.7 && roll < 0.8) {
    const at = int(rng, 1, text.length - 1);
    text = text.slice(0, at);
    note = `truncated at byte ${at}`;
    mustReject = false;
  } else if (roll >= 0.8 && roll < 0.85) {
    text = `${text}\u0000\u00ff,,\n`;
    mustReject = true;
    note = 'binary garbage row';
  }
  return { id, kind: 'neurosim-csv', argv: baseCommand(rng, '@net.csv'), files: [{ name: 'net.csv', data: text }], mustReject, note };
}

function onnxCase(rng: Rng, id: number): FuzzCase {
  const dynamic = rng() < 0.4;
  const bytes = networkToOnnx(tinyNetwork(rng), { dynamicBatch: dynamic, dynamicSpatial: dynamic && rng() < 0.5 });
  let data = bytes;
  let note = 'valid ONNX';
  const roll = rng();
  if (roll < 0.4) {
    const at = int(rng, 0, bytes.length - 1);
    data = bytes.slice(0, at);
    note = `truncated to ${at} of ${bytes.length} bytes`;
  } else if (roll < 0.85) {
    data = bytes.slice();
    const flips = int(rng, 1, 8);
    for (let k = 0; k < flips; k++) {
      const at = int(rng, 0, data.length - 1);
      data[at] = (data[at] ?? 0) ^ (1 << int(rng, 0, 7));
    }
    note = `${flips} bits flipped`;
  }
  const argv = rng() < 0.3 ? ['import', '@m.onnx', '--out', '@net.json'] : baseCommand(rng, '@m.onnx');
  let mustReject = false;
  if (rng() < 0.5) {
    const shape = pick(rng, ['1x3x32x32', '1x1x16x16', '1x3x1e9x1e9', '0x3x32x32', '1x3x-2x32', '1x3', 'abc', '1x3x32x32x', '1x3x65537x65537']);
    argv.push('--input-shape', shape);
    mustReject = /e9|0x|-2|abc|x$/.test(shape);
    note += `, --input-shape ${shape}`;
  }
  return { id, kind: 'onnx', argv, files: [{ name: 'm.onnx', data }], mustReject, note };
}

const MAKERS: Readonly<Record<InputKind, (rng: Rng, id: number) => FuzzCase>> = {
  'arch-set': archSetCase,
  'arch-file': archFileCase,
  plan: planCase,
  'network-json': networkJsonCase,
  'neurosim-csv': neurosimCsvCase,
  onnx: onnxCase,
  'cli-option': cliOptionCase,
  'real-onnx': (rng, id) => realOnnxCase(rng, id, supportedOnnxOps()),
};

/** Case `id` of the run seeded `seed` cycling through `kinds`: the same triple always gives the same case. */
export function generateCase(seed: number, id: number, kinds: readonly InputKind[] = DEFAULT_KINDS): FuzzCase {
  const rng = seedrandom(`lrmp-fuzz:${seed}:${id}`);
  const kind = kinds[id % kinds.length] as InputKind;
  return MAKERS[kind](rng, id);
}
