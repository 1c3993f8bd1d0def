/**
 * lrmp's public API (`require('lrmp')`): what a script needs to load a network and an architecture, evaluate a plan
 * with the analytical model, simulate it, and optimize it. The CLI (scripts/cli.ts) is built on the same calls; the
 * README shows them in ten lines.
 */

// Networks: a zoo name or a .json/.csv/.onnx file, then shapes resolved.
export { loadNetwork, resolveNetwork, zooNames, zooNetwork, networkToJson, parseNetworkJson, parseNeurosimCsv, importOnnx } from './workloads';
export type { Layer, LoadNetworkOptions, Network, OnnxImportOptions, ResolvedLayer, ResolvedNetwork, Shape } from './workloads';

// Architectures: a preset or a JSON file, with overrides.
export { loadArch, presetArch, presetNames, applySetOverride, applySetOverrides, validateArchSpec, chipAreaMm2, tileAreaMm2 } from './arch';
export type { ArchSpec, LoadArchOptions } from './arch';

// Plans: per-layer bits and replicas.
export {
  BASELINE_BITS, BASELINE_REPLICAS, baselineChoices, planFromChoices, resolvePlan, uniformPlan, validatePlan,
} from './arch/plan';
export type { LayerChoice, Plan, PlanChip, PlanChoices } from './arch/plan';

// The analytical model.
export { prepareModel, evaluateModel } from './optimizer/model';
export type { EnergyBreakdownPj, LayerStage, ModelContext, ModelResult, StageBound } from './optimizer/model';

// The cycle-level simulator.
export { simulate, STALL_CAUSES } from './sim';
export type { SimBottleneck, SimEnergyPj, SimLayerStats, SimResult, SimulateOptions, StallCause } from './sim';

// The LRMP optimizer and its accuracy oracles.
export { optimize, proxyOracle } from './optimizer';
export type { AccuracyOracle, OptimizeOptions, OptimizeResult, VariantRow } from './optimizer';

// Errors a user's input can cause (exit code 2 in the CLI).
export {
  DeadlockError, InputFileError, isLrmpError, LrmpError, MappingError, PlanError, ShapeError, UnknownNameError, ValidationError,
} from './errors';
