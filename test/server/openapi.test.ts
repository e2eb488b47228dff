import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { buildOpenApi } from '../../scripts/openapi.ts';

test('docs/openapi.json is what the routes declare (run `npm run openapi` after changing a route)', async () => {
  const current = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));
  const document = (await buildOpenApi()) as { paths: Record<string, unknown> };
  expect(current).toEqual(JSON.parse(JSON.stringify(document)));
  expect(Object.keys(document.paths)).toEqual(
    expect.arrayContaining(['/api/v1/users', '/api/v1/users/{id}', '/api/v1/me', '/api/v1/users.presence', '/api/v1/auth/refresh']),
  );
});
