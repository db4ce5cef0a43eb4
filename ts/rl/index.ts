export { Pong, drawPong, PONG_ACTIONS, PONG_SIZE, PONG_STATE_SIZE, type PongAction, type PongOptions, type PongStep, type PongInfo, type CanvasLike } from './pong.js';
export { Categorical, type CategoricalParams } from './categorical.js';
export { Reinforce, type ReinforceOptions, type ReinforceState, type EpisodeStats, type Env } from './reinforce.js';
export { trainPong, evaluatePong, type PongTrainConfig, type PongProgress, type PongTrainResult, type PongEpisodeLog } from './train-pong.js';
export { trainPongInWorker, type TrainPongInWorkerOptions } from './train-pong-in-worker.js';
export { PONG_CLIP_FIELDS, type PongClip } from './pong-clip.js';
