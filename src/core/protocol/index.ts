export * from './codes.ts';
export * from './json.ts';
export * from './limits.ts';
export * from './messages.ts';
export * from './model.ts';
export * from './text.ts';
