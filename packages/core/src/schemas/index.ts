export * from './common.js';
export * from './project.js';
export * from './task.js';
export * from './agent.js';
export * from './job.js';
export * from './names.js';
export * from './auth.js';
export * from './board.js';
