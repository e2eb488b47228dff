import { afterAll, beforeAll, describe } from 'vitest';
import { createRedisLog } from '../../src/server/redis-log.ts';
import { describeLogContract } from '../server/log-contract.ts';
import { startRedis, type TestRedis } from './redis-server.ts';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => redis.stop());

describe('the Redis presence log', () => {
  describeLogContract({
    // Each test's group is its own key prefix, shared by the nodes it makes.
    make: async (group) => createRedisLog({ url: redis.url, node: `n${Math.random()}`, prefix: `contract-${group}`, onFenced: () => {}, log: () => {} }),
    nodes: 3,
    numbers: true,
  });
});
