// The drain's command line and its arithmetic, apart from BullMQ so that they can be tested
// without Redis (node --test).

export const USAGE = `Drain of N no-op jobs by BullMQ on Redis.
Prints one line to stdout: RESULT <median jobs/s> <each run's jobs/s, comma-separated>.

  --redis-url=URL      (default redis://127.0.0.1:6379)
  --jobs=N             jobs per measured drain (default 100000)
  --warmup-jobs=N      jobs in the unmeasured warm-up drain (default 10000; 0 for none)
  --concurrency=N      the Worker's concurrency (default 16)
  --runs=N             measured drains, the median is reported (default 3)

Keys live under the prefix tbench-bullmq (queue "drain"); the queue is obliterated before
each drain and at the end. Nothing else in Redis is touched.
`;

export class UsageError extends Error {}

export function parseOptions(args) {
  const options = {
    redisUrl: 'redis://127.0.0.1:6379',
    jobs: 100000,
    warmupJobs: 10000,
    concurrency: 16,
    runs: 3,
  };
  const numbers = { '--jobs': 'jobs', '--warmup-jobs': 'warmupJobs', '--concurrency': 'concurrency', '--runs': 'runs' };
  for (const arg of args) {
    if (arg.trim() === '') {
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const value = eq >= 0 ? arg.slice(eq + 1) : '';
    if (name === '--help' || name === '-h') {
      throw new UsageError('');
    }
    if (name === '--redis-url') {
      options.redisUrl = value;
    } else if (name in numbers) {
      if (!/^\d+$/.test(value)) {
        throw new UsageError(`${name} takes a whole number, not '${value}'`);
      }
      options[numbers[name]] = Number(value);
    } else {
      throw new UsageError(`Unknown option '${arg}'`);
    }
  }
  if (options.jobs < 1 || options.concurrency < 1 || options.runs < 1) {
    throw new UsageError('--jobs, --concurrency and --runs must be at least 1');
  }
  return options;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  return n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

// The same line as the Java peers print (dev.taskito.benchmark.peers.PeerResult).
export function resultLine(runs) {
  return `RESULT ${Math.round(median(runs))} ${runs.map((run) => Math.round(run)).join(',')}`;
}

// Jobs per second from the first handler start to the last handler finish, in microseconds;
// a span under the clock's resolution counts as one microsecond.
export function rate(jobs, firstStartMicros, lastFinishMicros) {
  return jobs / (Math.max(1, lastFinishMicros - firstStartMicros) / 1e6);
}
