import assert from 'node:assert/strict';
import { test } from 'node:test';

import { UsageError, median, parseOptions, rate, resultLine } from './options.mjs';

test('defaults are the issue\'s drain', () => {
  assert.deepEqual(parseOptions([]), {
    redisUrl: 'redis://127.0.0.1:6379', jobs: 100000, warmupJobs: 10000, concurrency: 16, runs: 3,
  });
});

test('options are read', () => {
  const options = parseOptions(['--jobs=20000', '--warmup-jobs=0', '--runs=1', '--redis-url=redis://localhost:6380/2']);
  assert.equal(options.jobs, 20000);
  assert.equal(options.warmupJobs, 0);
  assert.equal(options.runs, 1);
  assert.equal(options.redisUrl, 'redis://localhost:6380/2');
});

test('bad options are refused', () => {
  assert.throws(() => parseOptions(['--jobs=lots']), UsageError);
  assert.throws(() => parseOptions(['--runs=0']), UsageError);
  assert.throws(() => parseOptions(['--threads=4']), /--threads/);
});

test('median of odd and even counts', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('result line matches the Java peers\' format', () => {
  assert.equal(resultLine([2916.6, 3100.2, 2800]), 'RESULT 2917 2917,3100,2800');
});

test('rate is jobs over first start to last finish', () => {
  assert.equal(rate(1000, 5_000_000, 5_500_000), 2000);
  assert.equal(rate(1, 7, 7), 1_000_000);
});
