/**
 * The Init Lab page: the controls (state.ts, kept in the URL query) -> two arms run by experiment.ts -> the figures
 * (figures.ts, the chart definitions the CLI report uses) and the diagnose tables; plus the model panel. The
 * backend is webgl, else wasm, else cpu (or the one the Backend control names). `window.__lab` exposes what is
 * shown, for the browser tests.
 */
import type { SignalReport } from 'tfjs-initializers';
import { startBackend } from './backend';
import { $, buildForm, chartWidth, draw, notice, table } from './dom';
import { ArmRun, runArm } from './experiment';
import { activationChart, gradientChart, hiddenLayers, kernelHistogram } from './figures';
import { ModelRecord, wireModelPanel } from './model_panel';
import { ControlName, LabState, fromQuery, parseControl, toQuery } from './state';

/** What the page shows (numbers as computed, before formatting). */
interface LabWindow {
  backend: string;
  state: LabState;
  updates: number;
  milliseconds: number;
  runs: Array<Pick<ArmRun, 'arm' | 'milliseconds'> & { report: SignalReport; targetStd: number; layer: string }>;
  byo: ModelRecord;
  error: string | null;
}
declare global {
  interface Window {
    __lab: LabWindow;
  }
}

let state: LabState;
let pending: ReturnType<typeof setTimeout> | null = null;
let running: Promise<void> = Promise.resolve();

/** Runs an update shortly, after the last of a burst of changes, and after the one in progress. */
function schedule(): void {
  if (pending) clearTimeout(pending);
  pending = setTimeout(() => {
    pending = null;
    running = running.then(update);
  }, 100);
}

/** Both arms, the figures and the tables. */
async function update(): Promise<void> {
  $('timing').textContent = 'computing…';
  await new Promise((r) => requestAnimationFrame(() => r(null)));
  try {
    const t0 = performance.now();
    const runs = [runArm(state, state.armA), runArm(state, state.armB)];
    const computing = performance.now() - t0;
    const width = chartWidth();
    // hidden layers only: the softmax head's spread says nothing about the signal through depth
    const hidden = runs.map((r) => ({ name: r.arm, report: hiddenLayers(r.report) }));
    await draw($('chart-activations'), activationChart('Activations at initialization', hidden, width));
    await draw($('chart-gradients'), gradientChart(runs, width));
    await draw($('chart-histogram'), kernelHistogram(runs, width));
    $('tables').replaceChildren(
      ...runs.map((r, i) => table(r.report, `Arm ${i ? 'B' : 'A'}: ${r.arm} — ${r.description}`)),
    );
    const ms = performance.now() - t0;
    $('timing').textContent =
      `updated in ${ms.toFixed(0)} ms (${computing.toFixed(0)} ms computing two arms at depth ${state.depth}, ` +
      `width ${state.width}, batch ${state.batch} (gradients on ${Math.min(state.gradientExamples, state.batch)}); the rest drawing)`;
    Object.assign(window.__lab, {
      state,
      milliseconds: ms,
      runs: runs.map((r) => ({
        arm: r.arm,
        milliseconds: r.milliseconds,
        report: r.report,
        targetStd: r.histogram.targetStd,
        layer: r.histogram.layer,
      })),
      error: null,
    });
  } catch (error) {
    notice([(error as Error).message]);
    window.__lab.error = (error as Error).message;
  }
  window.__lab.updates++;
}

/** The backend the state asks for, or with `auto` the first that starts of webgl, wasm, cpu. */
const pickBackend = (wanted: string): Promise<string> =>
  startBackend(wanted === 'auto' ? ['webgl', 'wasm', 'cpu'] : [wanted, 'cpu'], document.baseURI);

async function useBackend(): Promise<void> {
  window.__lab.backend = await pickBackend(state.backend);
  $('backend').textContent = window.__lab.backend;
}

/** A control changed: validate, keep the URL in step, update. */
function onChange(name: ControlName, raw: string): void {
  const parsed = parseControl(name, raw);
  if ('error' in parsed) return notice([parsed.error]);
  notice([]);
  state = { ...state, [name]: parsed.value };
  history.replaceState(null, '', `?${toQuery(state)}`);
  if (name === 'backend') running = running.then(useBackend);
  schedule();
}

async function main(): Promise<void> {
  const parsed = fromQuery(location.search);
  state = parsed.state;
  window.__lab = {
    backend: '',
    state,
    updates: 0,
    milliseconds: 0,
    runs: [],
    byo: { file: null, before: null, after: null, downloaded: false, progress: [], error: null },
    error: null,
  };
  notice(parsed.errors);
  buildForm($('controls'), state, onChange);
  wireModelPanel(() => ({ batch: state.batch, seed: state.seed, backend: state.backend }), window.__lab.byo);
  await useBackend();
  schedule();
}

void main();
