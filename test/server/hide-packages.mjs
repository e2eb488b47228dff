// Loaded with `--import` by cli.test.ts: the packages named in HIDE_PACKAGES cannot be resolved, as
// when an app installed presence-kit without the server's optional peers.
import { register } from 'node:module';

const hook = `
const hidden = new Set((process.env.HIDE_PACKAGES ?? '').split(',').filter(Boolean));
export async function resolve(specifier, context, next) {
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
  if (hidden.has(name)) {
    const error = new Error("Cannot find package '" + name + "' imported from " + context.parentURL);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
