export * from './admin.ts';
export * from './client-messages.ts';
export * from './codes.ts';
export * from './json.ts';
export * from './limits.ts';
export * from './messages.ts';
export * from './model.ts';
export { parseWith, type ParseResult } from './parse.ts';
export * from './text.ts';
