export type { AccuracyOracle, OracleFactory, PrecisionChoice } from './types';
export type { Calibration } from './calibration';
export { DEFAULT_CALIBRATION, calibrationFor, fitNoiseBase } from './calibration';
export type { ProxyParameters } from './proxy';
export { DEPTHWISE_FACTOR, FIRST_LAST_FACTOR, LAYERNORM_READER_FACTOR, PRODUCT_PTQ_RHO, noiseFactor, proxyOracle, proxyParameters } from './proxy';
export type { ExternalCandidate, ExternalOracleOptions } from './external';
export { externalOracle, parseAccuracyOutput } from './external';
