export type * from './types';
export { sweepCycles, mvmSweeps, mvmCycles, adcSharers, transferCycles, offChipBitsPerCycle } from './timing';
export { crossbarCost, adcsPerCrossbar } from './crossbar-cost';
export { edramCost } from './edram';
export type { EdramCost } from './edram';
export { flitsOfBits, meshLinkId, xyRouteLinks, MESH_DIRECTIONS } from './routing';
export { presetNames, presetArch, listPresets, isPresetName } from './presets';
export type { PresetInfo } from './presets';
export { validateArchSpec, archFieldPaths, isArchFieldPath, nearestName } from './validate';
export type { ArchFieldPath } from './validate';
export { applySetOverride, applySetOverrides, mergeOverrideJson } from './overrides';
export { loadArch } from './load';
export type { LoadArchOptions } from './load';
export { readJsonFile, parseJsonText } from '../io';
export {
  componentInventory,
  crossbarUnitAreaMm2,
  coreAreaMm2,
  tileAreaMm2,
  chipAreaMm2,
  areaBreakdownMm2,
  corePowerMw,
  tilePowerMw,
  chipPowerMw,
  powerBreakdownMw,
  breakdownTotal,
  peakOpsPerSecond,
  peakGopsPerMm2,
  peakGopsPerW,
} from './area';
export type { InventoryLine } from './area';
