import { describe } from 'vitest';
import { createMemoryLog } from '../../src/server/presence-log.ts';
import { describeLogContract } from './log-contract.ts';

describe('the in-memory presence log', () => {
  describeLogContract({ make: async () => createMemoryLog(Date.now), nodes: 1, numbers: false });
});
