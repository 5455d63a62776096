export * from './table.js';
export * from './routes.js';
export * from './queue.js';
export * from './functions.js';
