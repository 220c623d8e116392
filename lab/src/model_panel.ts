/**
 * "Bring your own model": a model.json with its weights, chosen or dropped, is loaded in the page, diagnosed,
 * re-initialized with a model-level arm, shown before against after, and downloaded.
 */
import * as tf from '@tensorflow/tfjs';
import type { SignalReport } from 'tfjs-initializers';
import { $, chartWidth, draw, table } from './dom';
import { MODEL_ARM_NAMES, diagnoseModel, reinitialize } from './experiment';
import { activationChart } from './figures';

/** What the panel has shown (for the tests). */
export interface ModelRecord {
  file: string | null;
  before: SignalReport | null;
  after: SignalReport | null;
  downloaded: boolean;
}

/** The batch settings the panel measures with (the page's current state). */
type Settings = () => { batch: number; seed: number };

let loaded: tf.LayersModel | null = null;

async function load(files: File[], settings: Settings, record: ModelRecord): Promise<void> {
  const json = files.find((f) => f.name.endsWith('.json'));
  const status = $('byo-status');
  if (!json) {
    status.textContent = 'Choose a model.json together with its weights file(s).';
    return;
  }
  try {
    loaded?.dispose();
    loaded = await tf.loadLayersModel(tf.io.browserFiles([json, ...files.filter((f) => f !== json)]));
    const { batch, seed } = settings();
    const before = diagnoseModel(loaded, batch, seed);
    Object.assign(record, { file: json.name, before, after: null, downloaded: false });
    status.textContent = `${json.name}: ${loaded.layers.length} layers, ${before.vanishing.length} vanishing, ${before.exploding.length} exploding.`;
    await draw($('chart-byo'), activationChart('Your model', [{ name: 'as loaded', report: before }], chartWidth()));
    $('byo-table').replaceChildren(table(before, `As loaded: ${json.name}`));
    ($('reinit-run') as HTMLButtonElement).disabled = false;
  } catch (error) {
    status.textContent = `Cannot load ${json.name}: ${(error as Error).message}`;
  }
}

async function reinitializeLoaded(settings: Settings, record: ModelRecord): Promise<void> {
  if (!loaded || !record.before) return;
  const arm = ($('reinit') as HTMLSelectElement).value;
  const status = $('byo-status');
  try {
    const { batch, seed } = settings();
    reinitialize(loaded, arm, batch, seed);
    const after = diagnoseModel(loaded, batch, seed);
    record.after = after;
    const reports = [
      { name: 'as loaded', report: record.before },
      { name: arm, report: after },
    ];
    await draw($('chart-byo'), activationChart('Your model: before and after', reports, chartWidth()));
    $('byo-table').replaceChildren(table(record.before, 'As loaded'), table(after, `After ${arm}`));
    status.textContent = `Re-initialized with ${arm}: ${after.vanishing.length} vanishing, ${after.exploding.length} exploding.`;
    ($('download') as HTMLButtonElement).disabled = false;
  } catch (error) {
    status.textContent = `Cannot re-initialize: ${(error as Error).message}`;
  }
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
  $('download').addEventListener('click', async () => {
    if (!loaded) return;
    await loaded.save('downloads://reinitialized');
    record.downloaded = true;
    $('byo-status').textContent = 'Downloaded reinitialized.json and reinitialized.weights.bin.';
  });
}
