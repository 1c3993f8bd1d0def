import { UnknownNameError } from '../../errors';
import type { ArchSpec, PresetName } from '../types';
import { isaacSpec } from './isaac';
import { deepFreeze } from './parts';
import { PUMA_PUBLISHED, pumaSpec } from './puma';
import { xformerSpec } from './xformer';

export interface PresetInfo {
  name: PresetName;
  /** One line for `lrmp archs`. */
  description: string;
  /** Where the figures come from. */
  citation: string;
  /**
   * The paper's own peak efficiency (16-bit, whole chip), for `lrmp archs` to print beside the preset's, and where
   * the difference is explained (test/arch-presets.test.ts checks both).
   */
  published?: { gopsPerMm2: number; gopsPerW: number; note: string };
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
    published: { gopsPerMm2: 478.95, gopsPerW: 644.8, note: 'the paper\'s figures imply 86.2 mm2 and 64.0 W against its own Table II 85.4 mm2 and 65.8 W' },
  },
  {
    name: 'puma',
    description: 'PUMA: 138 tiles x 8 cores x 2 MVMUs x 8 crossbars 128x128 2-bit, 64 KB eDRAM/tile, 1 GHz',
    citation: 'Ankit et al., ASPLOS 2019; puma-simulator include/constants.py and config.py',
    published: {
      gopsPerMm2: PUMA_PUBLISHED.gopsPerMm2,
      gopsPerW: PUMA_PUBLISHED.gopsPerW,
      note:
        "not reproduced: the preset counts the 16 ADCs per core PUMA's timing needs and ISAAC's off-chip interface, PUMA's released cost " +
        'model 4 ADCs per core and no off-chip interface; with that cost model the same peak ops give 834 GOPS/s/W (arch/presets/puma.ts)',
    },
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
  return INFO.map((info) => ({ ...info, ...(info.published ? { published: { ...info.published } } : {}) }));
}
