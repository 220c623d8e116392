/** A progress bar with ETA on stderr (redrawn in place on a terminal, a line per update otherwise). */
class Progress {
  private done = 0;
  private readonly start = Date.now();
  private lastLine = 0;

  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  tick(label: string, steps = 1): void {
    this.done = Math.min(this.total, this.done + steps);
    const now = Date.now();
    const tty = this.stream.isTTY === true;
    if (!tty && now - this.lastLine < 5000 && this.done < this.total) return;
    this.lastLine = now;
    const frac = this.total > 0 ? this.done / this.total : 1;
    const elapsed = (now - this.start) / 1000;
    const eta = frac > 0 ? elapsed * (1 / frac - 1) : 0;
    const width = 24;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    const line = `[${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${formatSeconds(elapsed)} elapsed, ETA ${formatSeconds(eta)}  ${label}`;
    this.stream.write(
      tty
        ? `\r${line.slice(0, (this.stream.columns ?? 100) - 1).padEnd((this.stream.columns ?? 100) - 1)}`
        : `${line}\n`,
    );
  }

  finish(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

/**
 * A pool's progress callbacks over `jobs`: a bar over every job's steps, labelled `k/N jobs; describe(job)`. A job's
 * count is settled when it is done (a diverged run stops early, and its last message can arrive after its result).
 */
export function jobProgress<J>(
  jobs: readonly J[],
  stepsOf: (job: J) => number,
  describe: (job: J) => string,
  quiet: boolean,
): { onSteps(job: J, steps: number): void; onDone(job: J): void; finish(): void } {
  const progress = quiet ? null : new Progress(jobs.reduce((s, j) => s + stepsOf(j), 0));
  const reported = new Map<J, number>();
  let done = 0;
  const label = (job: J): string => `${done}/${jobs.length} jobs; ${describe(job)}`;
  return {
    onSteps: (job, steps) => {
      reported.set(job, (reported.get(job) ?? 0) + steps);
      progress?.tick(label(job), steps);
    },
    onDone: (job) => {
      const left = stepsOf(job) - (reported.get(job) ?? 0);
      reported.set(job, stepsOf(job));
      done++;
      progress?.tick(label(job), left);
    },
    finish: () => progress?.finish(),
  };
}
