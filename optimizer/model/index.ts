export { prepareModel, tensorBits, cachedMapping } from './context';
export type { ModelContext, LayerStatic, ModelResult, LayerStage, StageBound, TrafficLoads } from './types';
export { evaluateModel, placePlan } from './evaluate';
export type { EnergyBreakdownPj } from './energy';
export { computeTraffic } from './traffic';
export { rowLatencyCycles } from './latency';
