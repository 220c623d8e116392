/**
 * "Bring your own model": a model.json with its weights, chosen or dropped, is loaded, diagnosed and re-initialized
 * in a Web Worker (worker.ts), so the page stays responsive, shows progress, and says so when the batch does not fit
 * in memory; the page shows before against after and downloads the result.
 */
import * as tf from '@tensorflow/tfjs';
import type { SignalReport } from 'tfjs-initializers';
import { $, chartWidth, draw, table } from './dom';
import { MODEL_ARM_NAMES } from './experiment';
import { activationChart } from './figures';
import { Reply, Request } from './protocol';

/** What the panel has shown (for the tests). */
export interface ModelRecord {
  file: string | null;
  before: SignalReport | null;
  after: SignalReport | null;
  downloaded: boolean;
  /** Progress messages, in order, and the last error shown. */
  progress: string[];
  error: string | null;
}

/** The batch settings the panel measures with (the page's current state). */
type Settings = () => { batch: number; seed: number; backend: string };

let worker: Worker | null = null;
const waiting = new Map<string, (reply: Reply) => void>();

/** Sends a request to the worker (started on first use) and resolves with its answer (not a progress message). */
function ask(request: Request, onProgress: (text: string) => void): Promise<Reply> {
  if (!worker) {
    worker = new Worker(new URL('worker.js', document.baseURI));
    // a worker that dies (its backend out of memory) answers the pending request with an error
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      const done = waiting.get('pending');
      waiting.delete('pending');
      const message = event.message || 'the model worker stopped';
      done?.({ type: 'error', request: 'load', message, outOfMemory: true });
    };
    worker.onmessage = (event: MessageEvent<Reply>) => {
      const reply = event.data;
      if (reply.type === 'progress') {
        const counts = reply.total ? `: ${reply.done} / ${reply.total} examples` : '';
        onProgress(`${reply.stage}${counts}…`);
        return;
      }
      const done = waiting.get('pending');
      waiting.delete('pending');
      done?.(reply);
    };
  }
  return new Promise((resolve) => {
    waiting.set('pending', resolve);
    (worker as Worker).postMessage(request);
  });
}

/** An error reply as the status line shows it: an out-of-memory says which setting to change. */
function failure(reply: Extract<Reply, { type: 'error' }>, what: string, batch: number): string {
  if (reply.outOfMemory) {
    // the backend may not recover from it: the next request gets a fresh worker
    worker?.terminate();
    worker = null;
  }
  if (reply.outOfMemory)
    return `${what}: out of memory at batch ${batch}; lower the Batch setting (e.g. ?batch=${Math.max(1, batch >> 2)}). (${reply.message})`;
  return `${what}: ${reply.message}`;
}

function busy(on: boolean): void {
  for (const id of ['reinit-run', 'download']) ($(id) as HTMLButtonElement).disabled = on || id === 'download';
}

async function load(files: File[], settings: Settings, record: ModelRecord): Promise<void> {
  const json = files.find((f) => f.name.endsWith('.json'));
  const status = $('byo-status');
  if (!json) {
    status.textContent = 'Choose a model.json together with its weights file(s).';
    return;
  }
  const { batch, seed, backend } = settings();
  const show = (text: string): void => {
    status.textContent = `${json.name}: ${text}`;
    record.progress.push(text);
  };
  busy(true);
  const reply = await ask({ type: 'load', files, batch, seed, backend }, show);
  if (reply.type === 'error') {
    status.textContent = failure(reply, `Cannot diagnose ${json.name}`, batch);
    record.error = status.textContent;
    return;
  }
  if (reply.type !== 'loaded') return;
  const before = reply.report;
  Object.assign(record, { file: reply.file, before, after: null, downloaded: false, error: null });
  status.textContent =
    `${reply.file}: ${reply.layers} layers, ${before.vanishing.length} vanishing, ${before.exploding.length} exploding ` +
    `(batch ${batch}, ${before.chunkSize} at once, ${(reply.milliseconds / 1000).toFixed(1)} s on ${reply.backend}).`;
  await draw($('chart-byo'), activationChart('Your model', [{ name: 'as loaded', report: before }], chartWidth()));
  $('byo-table').replaceChildren(table(before, `As loaded: ${reply.file}`));
  busy(false);
}

async function reinitializeLoaded(settings: Settings, record: ModelRecord): Promise<void> {
  if (!record.before) return;
  const arm = ($('reinit') as HTMLSelectElement).value;
  const status = $('byo-status');
  const { batch, seed } = settings();
  busy(true);
  const reply = await ask({ type: 'reinit', arm, batch, seed }, (text) => {
    status.textContent = text;
    record.progress.push(text);
  });
  if (reply.type === 'error') {
    status.textContent = failure(reply, 'Cannot re-initialize', batch);
    record.error = status.textContent;
    busy(false);
    return;
  }
  if (reply.type !== 'reinitialized') return;
  const after = reply.report;
  record.after = after;
  const reports = [
    { name: 'as loaded', report: record.before },
    { name: arm, report: after },
  ];
  await draw($('chart-byo'), activationChart('Your model: before and after', reports, chartWidth()));
  $('byo-table').replaceChildren(table(record.before, 'As loaded'), table(after, `After ${arm}`));
  status.textContent = `Re-initialized with ${arm}: ${after.vanishing.length} vanishing, ${after.exploding.length} exploding.`;
  busy(false);
  ($('download') as HTMLButtonElement).disabled = false;
}

async function download(record: ModelRecord): Promise<void> {
  const reply = await ask({ type: 'save' }, () => undefined);
  if (reply.type !== 'saved') return;
  const [handler] = tf.io.getSaveHandlers('downloads://reinitialized');
  await handler.save?.(reply.artifacts);
  record.downloaded = true;
  $('byo-status').textContent = 'Downloaded reinitialized.json and reinitialized.weights.bin.';
}

/** Wires the file input, the drop zone and the buttons. */
export function wireModelPanel(settings: Settings, record: ModelRecord): void {
  const select = $('reinit') as HTMLSelectElement;
  for (const name of MODEL_ARM_NAMES) select.add(new Option(name, name));
  const input = $('model-files') as HTMLInputElement;
  input.addEventListener('change', () => void load(Array.from(input.files ?? []), settings, record));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    void load(Array.from(e.dataTransfer?.files ?? []), settings, record);
  });
  $('reinit-run').addEventListener('click', () => void reinitializeLoaded(settings, record));
  $('download').addEventListener('click', () => void download(record));
}
