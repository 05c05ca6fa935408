// The drain of the Taskito benchmark (issue 11) run by BullMQ, the peer Redis users compare
// with: N no-op jobs are added with Queue.addBulk while no Worker runs (not timed), then one
// Worker with concurrency 16 processes them; the processor itself records the first start and
// the last finish. One warm-up drain, then the measured ones, each on an obliterated queue.
// Diagnostics go to stderr; stdout gets one line: RESULT <median jobs/s> <run>,<run>,...
//
// Settings, from BullMQ's documentation (docs.bullmq.io):
// - Worker `concurrency: 16` (guide/workers/concurrency): the drain's 16 workers, in one process.
// - `removeOnComplete: { count: 1000 }`, `removeOnFail: { count: 5000 }` on the Worker
//   (guide/workers/auto-removal-of-jobs, the "good practice" it gives; going-to-production
//   advises limiting the finished jobs kept).
// - `autorun: false`, then `worker.run()` once every job is in (guide/workers: start a worker
//   later), so that no job runs while they are being added.
// - Connections as options, BullMQ making its own ioredis connections (guide/connections); the
//   Worker's blocking connection gets `maxRetriesPerRequest: null` from BullMQ itself.
import { Queue, Worker } from 'bullmq';

import { USAGE, UsageError, parseOptions, rate, resultLine } from './options.mjs';

const PREFIX = 'tbench-bullmq';
const QUEUE = 'drain';
const BULK = 1000;
const DRAIN_TIMEOUT_MS = 10 * 60 * 1000;

// Wall-clock microseconds, as the Java drains record with Instant.now().
function nowMicros() {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

function connectionOf(redisUrl) {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
  };
}

async function drain(queue, connection, jobs, concurrency) {
  // Only this queue's keys go: obliterate deletes the keys under tbench-bullmq:drain.
  await queue.obliterate({ force: true });
  const enqueueStart = performance.now();
  for (let from = 0; from < jobs; from += BULK) {
    const bulk = [];
    for (let i = from; i < Math.min(from + BULK, jobs); i++) {
      bulk.push({ name: 'noop', data: {} });
    }
    await queue.addBulk(bulk);
  }
  console.error(`    [bullmq] ${jobs.toLocaleString('en')} jobs enqueued in ${((performance.now() - enqueueStart) / 1000).toFixed(1)} s (not timed)`);

  let firstStart = Number.MAX_SAFE_INTEGER;
  let lastFinish = 0;
  let finished = 0;
  let done;
  const allDone = new Promise((resolve) => { done = resolve; });
  const worker = new Worker(QUEUE, async () => {
    firstStart = Math.min(firstStart, nowMicros());
    lastFinish = Math.max(lastFinish, nowMicros());
    finished++;
    if (finished === jobs) {
      done();
    }
  }, {
    connection,
    prefix: PREFIX,
    concurrency,
    autorun: false,
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 5000 },
  });
  worker.on('error', (error) => console.error('[bullmq] worker error:', error));
  worker.run().catch((error) => console.error('[bullmq] worker stopped:', error));
  let timer;
  let progress;
  try {
    progress = setInterval(() => {
      console.error(`    [bullmq] drain: ${finished.toLocaleString('en')} of ${jobs.toLocaleString('en')} jobs ran so far`);
    }, 15000);
    await Promise.race([
      allDone,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`only ${finished} of ${jobs} jobs ran within ${DRAIN_TIMEOUT_MS / 1000} s`)), DRAIN_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    clearInterval(progress);
    await worker.close();
  }
  if (finished !== jobs) {
    throw new Error(`${finished} processor calls for ${jobs} jobs`);
  }
  return rate(jobs, firstStart, lastFinish);
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.message) {
        console.error(error.message);
      }
      process.stderr.write(USAGE);
      process.exit(error.message ? 2 : 0);
    }
    throw error;
  }
  const connection = connectionOf(options.redisUrl);
  const queue = new Queue(QUEUE, { connection, prefix: PREFIX });
  console.error(`[bullmq] drain of ${options.jobs.toLocaleString('en')} jobs x ${options.runs} runs after ${options.warmupJobs.toLocaleString('en')} warm-up jobs, concurrency ${options.concurrency}, on ${options.redisUrl}`);
  try {
    if (options.warmupJobs > 0) {
      const warmup = await drain(queue, connection, options.warmupJobs, options.concurrency);
      console.error(`[bullmq] warm-up: ${Math.round(warmup).toLocaleString('en')} jobs/s`);
    }
    const runs = [];
    for (let run = 1; run <= options.runs; run++) {
      const jobsPerSecond = await drain(queue, connection, options.jobs, options.concurrency);
      console.error(`[bullmq] run ${run}: ${Math.round(jobsPerSecond).toLocaleString('en')} jobs/s`);
      runs.push(jobsPerSecond);
    }
    console.log(resultLine(runs));
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

main().catch((error) => {
  console.error('[bullmq] drain failed:', error);
  process.exit(1);
});
