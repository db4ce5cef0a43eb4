export { DataParallel, type DataParallelOptions, type FitOptions as ParallelFitOptions, type EpochLogs as ParallelEpochLogs } from './data-parallel.js';
export type { ParallelLoss, StepTimings, Transport as ParallelTransport } from './protocol.js';
