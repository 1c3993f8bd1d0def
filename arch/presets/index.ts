import { UnknownNameError } from '../../errors';
import type { ArchSpec, PresetName } from '../types';
import { isaacSpec } from './isaac';
import { deepFreeze } from './parts';
import { pumaSpec } from './puma';
import { xformerSpec } from './xformer';

export interface PresetInfo {
  name: PresetName;
  /** One line for `lrmp archs`. */
  description: string;
  /** Where the figures come from. */
  citation: string;
}

// Frozen in place: nobody can change a preset through a shared reference; presetArch hands out copies.
const PRESETS: Readonly<Record<PresetName, Readonly<ArchSpec>>> = {
  isaac: deepFreeze(isaacSpec),
  puma: deepFreeze(pumaSpec),
  xformer: deepFreeze(xformerSpec),
};

const INFO: readonly PresetInfo[] = [
  {
    name: 'isaac',
    description: 'ISAAC-CE: 168 tiles x 12 IMAs x 8 crossbars 128x128 2-bit, 1 ADC/crossbar, 64 KB eDRAM/tile, 1.2 GHz',
    citation: 'Shafiee et al., ISCA 2016, Table II; Accelergy hwcomponents-library isaac.py',
  },
  {
    name: 'puma',
    description: 'PUMA: 138 tiles x 8 cores x 2 MVMUs x 8 crossbars 128x128 2-bit, 64 KB eDRAM/tile, 1 GHz',
    citation: 'Ankit et al., ASPLOS 2019; puma-simulator include/constants.py and config.py',
  },
  {
    name: 'xformer',
    description: 'PUMA + one 256-MAC 8-bit array per tile for attention products (or rewritten crossbars), 512 KB eDRAM, 256 tiles',
    citation: 'PUMA (ASPLOS 2019); X-Former (IEEE TVLSI 2023); MXFormer (2026); Horowitz ISSCC 2014 MAC figures',
  },
];

export function presetNames(): PresetName[] {
  return INFO.map((info) => info.name);
}

export function isPresetName(name: string): name is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, name);
}

/** A fresh, mutable deep copy of a preset. @throws UnknownNameError */
export function presetArch(name: string): ArchSpec {
  if (!isPresetName(name)) throw new UnknownNameError('architecture preset', name, presetNames());
  return structuredClone(PRESETS[name]) as ArchSpec;
}

export function listPresets(): PresetInfo[] {
  return INFO.map((info) => ({ ...info }));
}
