/** Public API of the optimizer (the analytical model lives in ./model with its own index). */
export * from './replication';
export * from './milp';
export * from './accuracy';
export * from './joint';
export type { EvaluatedCandidate, EvaluatorSettings } from './search/evaluator';
export { CandidateEvaluator, MAX_SEARCH_BITS, MIN_SEARCH_BITS } from './search/evaluator';
export { TopK } from './search/top-k';
export type { EpisodeRecord, SearchResult, SearchSettings } from './search/rl-search';
export { defaultSearchSettings, rlSearch } from './search/rl-search';
export { randomSearch } from './search/random-search';
export type { DdpgSettings } from './search/ddpg';
export { DdpgAgent, DEFAULT_DDPG, truncatedNormal } from './search/ddpg';
export { Mlp } from './search/mlp';
export type { ConfirmJob, ConfirmOutcome } from './confirm/worker';
export { confirmCandidates } from './confirm/pool';
export type { OptimizeOptions, OptimizeResult, VariantRow } from './lrmp';
export { optimize } from './lrmp';
