/**
 * DNN+NeuroSim V1.3's own VGG-8 layer file (Inference_pytorch/NeuroSIM/NetWork_VGG8.csv at commit
 * 388f421204cd97b0b980f79ce92d4b8c6e4c3d44), regenerated here from its published layer table instead of committing
 * NeuroSim's file (the framework is CC BY-NC 4.0): CRLF line ends, no header, the first fc written flattened
 * (`1,1,8192,...` after the 512x4x4 map). The tests check its sha256 against the published file's, so what they read
 * is byte for byte what NeuroSim ships.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** IFM_H, IFM_W, IFM_C, K_H, K_W, OFM_C, followedByMaxPool, stride: one row per weighted layer. */
const NETWORK_VGG8_ROWS: readonly (readonly number[])[] = [
  [32, 32, 3, 3, 3, 128, 0, 1],
  [32, 32, 128, 3, 3, 128, 1, 1],
  [16, 16, 128, 3, 3, 256, 0, 1],
  [16, 16, 256, 3, 3, 256, 1, 1],
  [8, 8, 256, 3, 3, 512, 0, 1],
  [8, 8, 512, 3, 3, 512, 1, 1],
  [1, 1, 8192, 1, 1, 1024, 0, 1],
  [1, 1, 1024, 1, 1, 10, 0, 1],
];

/** sha256 of NeuroSim's NetWork_VGG8.csv at that commit (176 bytes). */
export const NETWORK_VGG8_SHA256 = '2c887d13877bc97faa3a9d8d95db88404ac342135efaa73a539b15d17638782b';

export function networkVgg8Csv(): string {
  return NETWORK_VGG8_ROWS.map((r) => `${r.join(',')}\r\n`).join('');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Writes the file as NetWork_VGG8.csv into `dir` (the name is the network's name) and returns its path. */
export function writeNetworkVgg8(dir: string): string {
  const file = path.join(dir, 'NetWork_VGG8.csv');
  fs.writeFileSync(file, networkVgg8Csv());
  return file;
}
