/**
 * Regressions from the 'real-onnx' fuzz kind (scripts/fuzz/real-onnx.ts): each a committed real model with the one
 * structural change the fuzzer made, re-encoded through the importer's schema. Each was accepted before; the ONNX
 * specification makes each invalid, and the importer now says which field of which node or tensor, what it found and
 * what is allowed. The last tests show the valid neighbours still import.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCliInProcess } from '../scripts/cli-run';
import { parseInputSpec } from '../scripts/commands/inputs';
import { decodeModelForEdit, encodeDecodedModel, type OnnxGraph, type OnnxModel } from '../workloads/onnx/proto';
import { importOnnx } from '../workloads/onnx';
import { ValidationError } from '../errors';

const FIXTURES = path.join(__dirname, 'fixtures');

/** The fixture decoded, changed by `edit`, re-encoded. */
function mutated(fixture: string, edit: (model: OnnxModel, graph: OnnxGraph) => void): Uint8Array {
  const model = decodeModelForEdit(fs.readFileSync(path.join(FIXTURES, fixture)));
  if (!model.graph) throw new Error(`${fixture} has no graph`);
  edit(model, model.graph);
  return encodeDecodedModel(model);
}

const importOf = (bytes: Uint8Array, spec?: string) => () => importOnnx(bytes, { source: 'm.onnx', ...(spec ? parseInputSpec(spec) : {}) });

function node(graph: OnnxGraph, name: string) {
  const found = graph.node.find((n) => n.name === name || n.output[0] === name);
  if (!found) throw new Error(`no node ${name}`);
  return found;
}

function tensor(graph: OnnxGraph, name: string) {
  const found = graph.initializer.find((t) => t.name === name);
  if (!found) throw new Error(`no initializer ${name}`);
  return found;
}

describe('real-onnx fuzz regressions: invalid models are refused with the field named', () => {
  test("fp-face-landmark: initializer '428' dims [128,64,1,1] -> [128,64,1,0] with its 8192 floats kept", () => {
    const bytes = mutated('faceplugin_fr_landmark.onnx', (_, g) => {
      tensor(g, '428').dims = [128, 64, 1, 0];
    });
    // 128 x 64 x 1 x 1 float32 = 32768 bytes of raw_data, for dims that hold none.
    expect(importOf(bytes)).toThrow(ValidationError);
    expect(importOf(bytes)).toThrow("m.onnx: field 'initializer '428'' is dims [128, 64, 1, 0] (0 elements, 0 bytes) with 32768 bytes of raw_data");
  });

  test("fp-eye-state: initializer '174' dims [32,16,1,1] -> [32,16,1,-1]", () => {
    const bytes = mutated('faceplugin_fr_eye.onnx', (_, g) => {
      tensor(g, '174').dims = [32, 16, 1, -1];
    });
    expect(importOf(bytes)).toThrow("field 'initializer '174'' is dims [32, 16, 1, -1] (a negative size)");
  });

  test('oww-embedding: a weight raw_data one float longer than its dims [48,48,1,3]', () => {
    const name = 'model/conv2d_5/Conv2D_weights_fused_bn';
    const bytes = mutated('oww_embedding_model.onnx', (_, g) => {
      const t = tensor(g, name);
      const raw = new Uint8Array(t.rawData.length + 4);
      raw.set(t.rawData);
      t.rawData = raw;
    });
    // 48 x 48 x 1 x 3 = 6912 floats = 27648 bytes; 27652 given.
    expect(importOf(bytes, '1x76x32x1')).toThrow(`field 'initializer '${name}'' is dims [48, 48, 1, 3] (6912 elements, 27648 bytes) with 27652 bytes of raw_data`);
  });

  test("ppocr-cls: Constant 'batch_norm_10.b_0' value with 31 of its 32 floats", () => {
    const bytes = mutated('ch_ppocr_mobile_v2.0_cls_infer.onnx', (_, g) => {
      const t = node(g, 'batch_norm_10.b_0').attribute.find((a) => a.name === 'value')?.t;
      if (!t) throw new Error('no value');
      t.rawData = t.rawData.slice(0, 31 * 4);
    });
    expect(importOf(bytes, '1x3x48x192')).toThrow("(Constant) attribute value' is dims [32] (32 elements, 128 bytes) with 124 bytes of raw_data");
  });

  test("fp-age: Relu 'prob_stage_3' duplicated with its output (a tensor produced twice)", () => {
    const bytes = mutated('faceplugin_fr_age.onnx', (_, g) => {
      const at = g.node.findIndex((n) => n.output[0] === 'prob_stage_3');
      const n = g.node[at];
      if (!n) throw new Error('no prob_stage_3');
      g.node = [...g.node.slice(0, at + 1), { ...n }, ...g.node.slice(at + 1)];
    });
    expect(importOf(bytes)).toThrow(/output 'prob_stage_3'' is also produced by node #\d+ \(output 'prob_stage_3'\)/);
  });

  test("fp-face-landmark: Conv_50 group 1 -> 2 (weights [128, 64, 1, 1] on 64 input channels)", () => {
    const bytes = mutated('faceplugin_fr_landmark.onnx', (_, g) => {
      const n = node(g, 'Conv_50');
      n.attribute = n.attribute.map((a) => (a.name === 'group' ? { ...a, i: 2 } : a));
    });
    expect(importOf(bytes)).toThrow("node 'Conv_50' (Conv) attribute group' is 2 (weights [128, 64, 1, 1], 64 input channels)");
  });

  test("fp-face-landmark: Conv_73 kernel_shape [1,1] -> [3,1] against its 1x1 weights", () => {
    const bytes = mutated('faceplugin_fr_landmark.onnx', (_, g) => {
      const n = node(g, 'Conv_73');
      n.attribute = n.attribute.map((a) => (a.name === 'kernel_shape' ? { ...a, ints: [3, 1] } : a));
    });
    expect(importOf(bytes)).toThrow("node 'Conv_73' (Conv) attribute kernel_shape' is [3, 1]; allowed: the weights' kernel [1, 1]");
  });

  test('oww-melspectrogram: default-domain opset 13 -> -1', () => {
    const bytes = mutated('oww_melspectrogram.onnx', (m) => {
      m.opsetImport = m.opsetImport.map((o) => (o.domain === '' ? { ...o, version: -1 } : o));
    });
    expect(importOf(bytes, '1x1280')).toThrow("field 'opset_import (default domain) version' is -1");
  });

  test("fp-age: Concat '178' with its required axis removed (lrmp took axis 1)", () => {
    const bytes = mutated('faceplugin_fr_age.onnx', (_, g) => {
      const n = node(g, '178');
      n.attribute = n.attribute.filter((a) => a.name !== 'axis');
    });
    expect(importOf(bytes)).toThrow(/\(Concat\) attribute axis' is missing; allowed: an axis from -\d+ to \d+ \(Concat requires it\)/);
  });

  test('fp-face-landmark: the Flatten axis 1 -> 9 on a 4-D tensor (its range is -4 to 4)', () => {
    const bytes = mutated('faceplugin_fr_landmark.onnx', (_, g) => {
      const n = g.node.find((x) => x.opType === 'Flatten');
      if (!n) throw new Error('no Flatten');
      n.attribute = n.attribute.map((a) => (a.name === 'axis' ? { ...a, i: 9 } : a));
    });
    expect(importOf(bytes)).toThrow("(Flatten) attribute axis' is 9; allowed: an axis from -4 to 4 of the 4-D input");
  });

  test("fp-face-landmark: Conv_25's weights input renamed to '291', the output of its reader Relu_28 (a cycle)", () => {
    const bytes = mutated('faceplugin_fr_landmark.onnx', (_, g) => {
      const n = node(g, 'Conv_25');
      n.input = [n.input[0] ?? '', '291', ...n.input.slice(2)];
    });
    // The message said '291' was produced by no node; Relu_28 makes it, from Conv_27, from Add_26, from Conv_25.
    expect(importOf(bytes)).toThrow("nodes read each other's outputs in a cycle: 'Conv_25' (Conv) reads '291', 'Relu_28' (Relu) reads '409', 'Conv_27' (Conv) reads '288', 'Add_26' (Add) reads '406'");
    const missing = mutated('faceplugin_fr_landmark.onnx', (_, g) => {
      const n = node(g, 'Conv_25');
      n.input = [n.input[0] ?? '', 'nowhere', ...n.input.slice(2)];
    });
    expect(importOf(missing)).toThrow("node 'Conv_25' (Conv) reads tensor 'nowhere', which no node, initializer or graph input produces");
  });

  test("silero-vad-16k-op15: the Constant '/model/stft/padding/Constant_1_output_0' dims [] -> [-1] (was an internal error: Invalid array length)", () => {
    const bytes = mutated('silero_vad_16k_op15.onnx', (_, g) => {
      const t = node(g, '/model/stft/padding/Constant_1_output_0').attribute.find((a) => a.name === 'value')?.t;
      if (!t) throw new Error('no value');
      t.dims = [-1];
    });
    expect(importOf(bytes, 'input=1x512 sr:16000')).toThrow("(Constant) attribute value' is dims [-1] (a negative size)");
  });

  test("silero-vad-16k-op15: '/model/decoder/Equal' of two constants as Sum (was an internal error reading 'producer')", () => {
    const bytes = mutated('silero_vad_16k_op15.onnx', (_, g) => {
      node(g, '/model/decoder/Equal').opType = 'Sum';
    });
    expect(importOf(bytes, 'input=1x512 sr:16000')).toThrow("node '/model/decoder/Equal' (Sum) inputs' is constants only (lrmp folds no constant Sum)");
  });

  test('through the CLI: exit 2, one lrmp line, no stack trace', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrmp-fuzz-real-'));
    try {
      const file = path.join(dir, 'm.onnx');
      fs.writeFileSync(file, mutated('faceplugin_fr_eye.onnx', (_, g) => {
        tensor(g, '174').dims = [32, 16, 1, -1];
      }));
      const run = await runCliInProcess(['analyze', '--network', file, '--format', 'json']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^lrmp: .*m\.onnx: field 'initializer '174'' is dims \[32, 16, 1, -1\]/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('real-onnx fuzz: valid neighbours still import', () => {
  test('a weight with no data at all is read as dims only (as lrmp writes test models)', () => {
    const plain = importOf(fs.readFileSync(path.join(FIXTURES, 'faceplugin_fr_eye.onnx')))();
    const bytes = mutated('faceplugin_fr_eye.onnx', (_, g) => {
      tensor(g, '174').rawData = new Uint8Array(0);
    });
    expect(importOf(bytes)()).toEqual(plain);
  });

  test('kernel_shape and a group of 1 left out, the Conv bias left out: the same layers (bias aside)', () => {
    const plain = importOf(fs.readFileSync(path.join(FIXTURES, 'faceplugin_fr_landmark.onnx')))();
    const bytes = mutated('faceplugin_fr_landmark.onnx', (_, g) => {
      const n = node(g, 'Conv_50');
      n.attribute = n.attribute.filter((a) => a.name !== 'kernel_shape' && a.name !== 'group');
    });
    expect(importOf(bytes)()).toEqual(plain);
    const noBias = importOf(mutated('faceplugin_fr_landmark.onnx', (_, g) => {
      const n = node(g, 'Conv_50');
      n.input = n.input.slice(0, 2);
    }))();
    const conv = noBias.layers.find((l) => l.name === 'Conv_50');
    expect(conv?.kind === 'conv' && conv.bias).toBe(false);
  });
});
