import { expect, test } from 'vitest';
import { ConnectionRegistry } from '../../src/server/connection-registry.ts';

test('connections count per user across nodes; a node declared down takes exactly its own and is fenced', () => {
  const registry = new ConnectionRegistry();
  expect(registry.add('ada', 'n1', 'c1')).toBe(true);
  expect(registry.add('ada', 'n1', 'c1')).toBe(false);
  registry.add('ada', 'n2', 'c1');
  registry.add('grace', 'n1', 'c2');
  expect(registry.count('ada')).toBe(2);
  expect(registry.dropNode('n1').sort()).toEqual(['ada', 'grace']);
  expect([registry.count('ada'), registry.count('grace'), registry.isDown('n1')]).toEqual([1, 0, true]);
  expect(registry.remove('ada', 'n1', 'c1')).toBe(false);
  const copy = new ConnectionRegistry();
  copy.restore(JSON.parse(JSON.stringify(registry.export())));
  expect([copy.count('ada'), copy.isDown('n1'), copy.remove('ada', 'n2', 'c1'), copy.count('ada')]).toEqual([1, true, true, 0]);
  registry.forgetUser('ada');
  expect(registry.count('ada')).toBe(0);
});
