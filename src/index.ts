export * from './react/index.ts';
export * from './components/index.ts';
export * from './core/index.ts';
