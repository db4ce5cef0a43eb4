export { compileStep, CompiledStep, type StepLoss } from './step.js';
