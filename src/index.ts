export * from './react/index.ts';
export * from './core/index.ts';
