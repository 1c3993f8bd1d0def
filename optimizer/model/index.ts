export { prepareModel, tensorBits, cachedMapping } from './context';
export type { ModelContext, LayerStatic } from './context';
export { evaluateModel } from './evaluate';
export type { ModelResult, LayerStage, StageBound } from './evaluate';
export type { EnergyBreakdownPj } from './energy';
export { computeTraffic } from './traffic';
export { rowLatencyCycles } from './latency';
