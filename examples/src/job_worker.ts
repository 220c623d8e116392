/** A worker thread of the job pool (piscina): selects its own tfjs backend once, then runs the jobs it is given. */
import type { MessagePort } from 'node:worker_threads';
import { selectBackend } from './backend';
import { PoolJob, ResultOf, runAny } from './pool';

/** What the pool sends a worker: the job, the backend to run it on, and a port for progress (steps done). */
export interface WorkerTask {
  job: PoolJob;
  backend: string;
  progress: MessagePort;
}

let backend: Promise<string> | null = null;

/** Steps are reported in groups of this many (a message per step would cost more than the step). */
const REPORT_EVERY = 10;

export default async function runInWorker({ job, backend: wanted, progress }: WorkerTask): Promise<ResultOf<PoolJob>> {
  backend ??= selectBackend(wanted);
  await backend;
  let pending = 0;
  try {
    return await runAny(job, () => {
      if (++pending === REPORT_EVERY) {
        progress.postMessage(pending);
        pending = 0;
      }
    });
  } finally {
    if (pending) progress.postMessage(pending);
    progress.close();
  }
}
