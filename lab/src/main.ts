/**
 * The Init Lab page: controls (from state.ts) -> two arms run by experiment.ts -> Vega-Lite charts (the chart
 * definitions the CLI report uses) and the diagnose table; plus a loaded model's diagnosis, re-initialization and
 * download. The state lives in the URL query. `window.__lab` exposes what is shown, for the browser tests.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as vega from 'vega';
import { TopLevelSpec, compile } from 'vega-lite';
import type { SignalReport } from 'tfjs-initializers';
import { Panel, histogramSpec, lineChartSpec } from '../../examples/src/charts';
import { DIAGNOSE_COLUMNS, predictedStd } from '../../examples/src/diagnose_table';
import { ArmRun, MODEL_ARM_NAMES, diagnoseModel, reinitialize, runArm } from './experiment';
import { CONTROLS, ControlName, LabState, fromQuery, parseControl, toQuery } from './state';

/** What the page shows, for tests and the curious (numbers as computed, before formatting). */
interface LabWindow {
  backend: string;
  state: LabState;
  updates: number;
  milliseconds: number;
  runs: Array<Pick<ArmRun, 'arm' | 'milliseconds'> & { report: SignalReport; targetStd: number; layer: string }>;
  byo: { file: string | null; before: SignalReport | null; after: SignalReport | null; downloaded: boolean };
  error: string | null;
}
declare global {
  interface Window {
    __lab: LabWindow;
  }
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const RATIO = 1e3; // signalPropagation's default flag ratio: the bands sit where the table flags
const views = new Map<HTMLElement, vega.View>();

async function draw(el: HTMLElement, spec: TopLevelSpec): Promise<void> {
  views.get(el)?.finalize();
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'svg', container: el, hover: true });
  views.set(el, view);
  await view.runAsync();
}

const chartWidth = (): number => Math.max(200, Math.min(340, window.innerWidth - 150));
const relative = (values: Array<number | null>, ref: number | null): Array<number | null> =>
  values.map((v) => (v === null || ref === null || !(ref > 0) ? null : v / ref));

/** Activation std relative to layer 1 and its prediction, per report; bands at 1e-3 and 1e3. */
function activationPanel(reports: Array<{ name: string; report: SignalReport }>): Panel {
  return {
    title: "activation std / layer 1's (forward)",
    yLabel: 'relative std',
    logY: true,
    bands: { below: 1 / RATIO, above: RATIO },
    series: reports.flatMap(({ name, report }) => {
      const ref = report.layers[0]?.postStd ?? null;
      return [
        {
          name,
          values: relative(
            report.layers.map((l) => l.postStd),
            ref,
          ),
        },
        { name, values: relative(report.layers.map(predictedStd), ref), dashed: true },
      ];
    }),
  };
}

function gradientPanel(runs: ArmRun[]): Panel {
  return {
    title: "gradient std / last layer's (backward)",
    yLabel: 'relative std',
    logY: true,
    bands: { below: 1 / RATIO, above: RATIO },
    series: runs.map((r) => {
      const g = r.report.layers.map((l) => l.gradPreStd);
      return { name: r.arm, values: relative(g, g[g.length - 1]) };
    }),
  };
}

function normalDensity(std: number, range: number): { x: number[]; density: number[] } {
  const x = Array.from({ length: 161 }, (_, i) => -range + (2 * range * i) / 160);
  return { x, density: x.map((v) => Math.exp(-0.5 * (v / std) ** 2) / (std * Math.sqrt(2 * Math.PI))) };
}

function table(report: SignalReport, caption: string): HTMLElement {
  const wrap = document.createElement('div');
  wrap.className = 'table-wrap';
  const t = document.createElement('table');
  const cap = t.createCaption();
  cap.textContent = caption;
  const head = t.createTHead().insertRow();
  for (const c of DIAGNOSE_COLUMNS) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = c.header;
    head.appendChild(th);
  }
  const body = t.createTBody();
  for (const row of report.layers) {
    const tr = body.insertRow();
    for (const c of DIAGNOSE_COLUMNS) {
      const td = tr.insertCell();
      td.textContent = c.cell(row);
      if (c.numeric) td.className = 'num';
      if (c.header === 'flags' && row.flags.length) td.className = 'flagged';
    }
  }
  wrap.appendChild(t);
  return wrap;
}

// ---- controls and state ----

let state: LabState;

function notice(messages: string[]): void {
  const list = $('notices');
  list.replaceChildren(
    ...messages.map((m) => {
      const li = document.createElement('li');
      li.textContent = m;
      return li;
    }),
  );
}

function buildForm(): void {
  const form = $('controls');
  for (const [name, c] of Object.entries(CONTROLS) as Array<[ControlName, (typeof CONTROLS)[ControlName]]>) {
    const field = document.createElement('div');
    field.className = `field ${c.kind}`;
    const label = document.createElement('label');
    label.htmlFor = `c-${name}`;
    label.textContent = c.label;
    let input: HTMLInputElement | HTMLSelectElement;
    if (c.kind === 'choice') {
      input = document.createElement('select');
      for (const v of c.values) input.add(new Option(v, v));
      input.value = String(state[name]);
    } else {
      input = document.createElement('input');
      if (c.kind === 'flag') {
        input.type = 'checkbox';
        input.checked = Boolean(state[name]);
      } else {
        input.type = 'number';
        input.min = String(c.min);
        input.max = String(c.max);
        input.step = '1';
        input.value = String(state[name]);
      }
    }
    input.id = `c-${name}`;
    input.name = name;
    input.addEventListener('change', () => {
      const raw = input instanceof HTMLInputElement && input.type === 'checkbox' ? String(input.checked) : input.value;
      const parsed = parseControl(name, raw);
      if ('error' in parsed) return notice([parsed.error]);
      notice([]);
      state = { ...state, [name]: parsed.value };
      history.replaceState(null, '', `?${toQuery(state)}`);
      if (name === 'backend') {
        running = running.then(async () => {
          window.__lab.backend = await pickBackend(state.backend);
          $('backend').textContent = window.__lab.backend;
        });
      }
      schedule();
    });
    if (c.kind === 'flag') field.append(input, label);
    else field.append(label, input);
    form.appendChild(field);
  }
  form.addEventListener('submit', (e) => e.preventDefault());
}

// ---- one update: both arms, charts, tables ----

let pending: ReturnType<typeof setTimeout> | null = null;
let running: Promise<void> = Promise.resolve();

function schedule(): void {
  if (pending) clearTimeout(pending);
  pending = setTimeout(() => {
    pending = null;
    running = running.then(update);
  }, 100);
}

async function update(): Promise<void> {
  $('timing').textContent = 'computing…';
  await new Promise((r) => requestAnimationFrame(() => r(null)));
  try {
    const t0 = performance.now();
    const runs = [runArm(state, state.armA), runArm(state, state.armB)];
    const computing = performance.now() - t0;
    const width = chartWidth();
    await draw(
      $('chart-activations'),
      lineChartSpec(
        'Activations at initialization',
        'layer',
        [
          // hidden layers only: the softmax head's spread says nothing about the signal through depth
          activationPanel(
            runs.map((r) => ({ name: r.arm, report: { ...r.report, layers: r.report.layers.slice(0, -1) } })),
          ),
        ],
        width,
      ),
    );
    await draw(
      $('chart-gradients'),
      lineChartSpec('Gradients at initialization', 'layer', [gradientPanel(runs)], width),
    );
    const h = runs[0].histogram;
    const range = 4 * h.targetStd;
    await draw(
      $('chart-histogram'),
      histogramSpec(
        {
          title: `Kernel of ${h.layer} (fanIn ${h.fanIn})`,
          samples: runs.map((r) => ({ name: r.arm, values: r.histogram.values })),
          target: { name: `N(0, (g/√fanIn)²), g = ${h.gain.toFixed(4)}`, ...normalDensity(h.targetStd, range) },
          range,
        },
        width,
      ),
    );
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

// ---- bring your own model ----

let loaded: tf.LayersModel | null = null;

async function load(files: File[]): Promise<void> {
  const json = files.find((f) => f.name.endsWith('.json'));
  const status = $('byo-status');
  if (!json) {
    status.textContent = 'Choose a model.json together with its weights file(s).';
    return;
  }
  try {
    loaded?.dispose();
    loaded = await tf.loadLayersModel(tf.io.browserFiles([json, ...files.filter((f) => f !== json)]));
    const before = diagnoseModel(loaded, state.batch, state.seed);
    window.__lab.byo = { file: json.name, before, after: null, downloaded: false };
    status.textContent = `${json.name}: ${loaded.layers.length} layers, ${before.vanishing.length} vanishing, ${before.exploding.length} exploding.`;
    await draw(
      $('chart-byo'),
      lineChartSpec('Your model', 'layer', [activationPanel([{ name: 'as loaded', report: before }])], chartWidth()),
    );
    $('byo-table').replaceChildren(table(before, `As loaded: ${json.name}`));
    ($('reinit-run') as HTMLButtonElement).disabled = false;
  } catch (error) {
    status.textContent = `Cannot load ${json.name}: ${(error as Error).message}`;
  }
}

async function reinitializeLoaded(): Promise<void> {
  if (!loaded) return;
  const arm = ($('reinit') as HTMLSelectElement).value;
  const status = $('byo-status');
  try {
    reinitialize(loaded, arm, state.batch, state.seed);
    const after = diagnoseModel(loaded, state.batch, state.seed);
    const before = window.__lab.byo.before as SignalReport;
    window.__lab.byo.after = after;
    await draw(
      $('chart-byo'),
      lineChartSpec(
        'Your model: before and after',
        'layer',
        [
          activationPanel([
            { name: 'as loaded', report: before },
            { name: arm, report: after },
          ]),
        ],
        chartWidth(),
      ),
    );
    $('byo-table').replaceChildren(table(before, 'As loaded'), table(after, `After ${arm}`));
    status.textContent = `Re-initialized with ${arm}: ${after.vanishing.length} vanishing, ${after.exploding.length} exploding.`;
    ($('download') as HTMLButtonElement).disabled = false;
  } catch (error) {
    status.textContent = `Cannot re-initialize: ${(error as Error).message}`;
  }
}

function wireModelInput(): void {
  const select = $('reinit') as HTMLSelectElement;
  for (const name of MODEL_ARM_NAMES) select.add(new Option(name, name));
  const input = $('model-files') as HTMLInputElement;
  input.addEventListener('change', () => void load(Array.from(input.files ?? [])));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    void load(Array.from(e.dataTransfer?.files ?? []));
  });
  $('reinit-run').addEventListener('click', () => void reinitializeLoaded());
  $('download').addEventListener('click', async () => {
    if (!loaded) return;
    await loaded.save('downloads://reinitialized');
    window.__lab.byo.downloaded = true;
    $('byo-status').textContent = 'Downloaded reinitialized.json and reinitialized.weights.bin.';
  });
}

// ---- start ----

/** The backend the state asks for, or with `auto` the first that starts of webgl, wasm, cpu. */
async function pickBackend(wanted: string): Promise<string> {
  setWasmPaths(new URL('./', document.baseURI).href);
  for (const name of wanted === 'auto' ? ['webgl', 'wasm', 'cpu'] : [wanted, 'cpu']) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // not available here: try the next
    }
  }
  throw new Error('no TensorFlow.js backend could start');
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
    byo: { file: null, before: null, after: null, downloaded: false },
    error: null,
  };
  notice(parsed.errors);
  buildForm();
  wireModelInput();
  window.__lab.backend = await pickBackend(state.backend);
  $('backend').textContent = window.__lab.backend;
  schedule();
}

void main();
