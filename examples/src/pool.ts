/**
 * Runs the jobs of a comparison: in this thread (one worker), or on a pool of worker threads (piscina), each
 * with its own tfjs and backend. A job depends only on its record, so both give the same figures.
 */
import { MessageChannel } from 'node:worker_threads';
import * as os from 'node:os';
import * as path from 'node:path';
import { Piscina } from 'piscina';
import { Job, JobResult, runJob } from './jobs';
import type { WorkerTask } from './job_worker';
import { WidthJob, WidthResult, runWidthJob } from './width';

/** A job of either kind: one arm of a comparison, or one run of the width task. */
export type PoolJob = Job | WidthJob;
/** What a job of kind J returns. */
export type ResultOf<J extends PoolJob> = J extends WidthJob ? WidthResult : JobResult;

/** Runs a job of either kind here. */
export function runAny<J extends PoolJob>(job: J, onStep: () => void): Promise<ResultOf<J>> {
  const run = 'kind' in job && job.kind === 'width' ? runWidthJob(job, onStep) : runJob(job as Job, onStep);
  return run as Promise<ResultOf<J>>;
}

export interface PoolOptions<J extends PoolJob = Job> {
  /** threads to run jobs on; 1 runs them here, one after another */
  workers: number;
  /** the backend every worker selects (as `selectBackend` takes it) */
  backend: string;
  /** called as training steps finish, with the job and how many steps */
  onSteps(job: J, steps: number): void;
  /** called when a job is done */
  onDone(job: J, result: ResultOf<J>): void;
}

/**
 * The default pool size: one worker per core; one for tfjs-node, whose TensorFlow runtime already uses every
 * core (and whose native addon is not meant to be loaded once per thread).
 */
export function defaultWorkers(backend: string): number {
  return backend === 'tensorflow' ? 1 : os.availableParallelism();
}

/** Runs every job; the results are in the order of `jobs`. A job that throws rejects the whole run. */
export async function runJobs<J extends PoolJob>(jobs: readonly J[], options: PoolOptions<J>): Promise<ResultOf<J>[]> {
  if (options.workers <= 1) {
    const results: ResultOf<J>[] = [];
    for (const job of jobs) {
      const result = await runAny(job, () => options.onSteps(job, 1));
      options.onDone(job, result);
      results.push(result);
    }
    return results;
  }
  const pool = new Piscina<WorkerTask, ResultOf<J>>({
    filename: path.join(__dirname, 'job_worker.js'),
    minThreads: options.workers,
    maxThreads: options.workers,
  });
  try {
    return await Promise.all(
      jobs.map(async (job) => {
        const { port1, port2 } = new MessageChannel();
        port1.on('message', (steps: number) => options.onSteps(job, steps));
        try {
          const result = await pool.run(
            { job, backend: options.backend, progress: port2 },
            // piscina infers its TransferList type from MessagePort.postMessage's last overload, which newer
            // @types/node gives an options object; an array of ports is what it takes at run time
            { transferList: [port2] as never },
          );
          options.onDone(job, result);
          return result;
        } finally {
          port1.close();
        }
      }),
    );
  } finally {
    await pool.destroy();
  }
}
