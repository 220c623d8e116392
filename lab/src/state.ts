/**
 * The Lab's controls, declared once: each control's kind, range, default and label. The page builds its form
 * from this table, and the whole state round-trips through the URL query (`toQuery` / `fromQuery`), so a link
 * reproduces a view.
 */
import { ACTIVATIONS } from 'tfjs-initializers';
import { LAB_ARM_NAMES } from './experiment';

interface IntControl {
  kind: 'int';
  label: string;
  min: number;
  max: number;
  default: number;
}
interface ChoiceControl {
  kind: 'choice';
  label: string;
  values: readonly string[];
  default: string;
}
interface FlagControl {
  kind: 'flag';
  label: string;
  default: boolean;
}
/** One control of the page. */
export type Control = IntControl | ChoiceControl | FlagControl;

/** Every control, in the order the page shows them. */
export const CONTROLS = {
  depth: { kind: 'int', label: 'Depth (hidden layers, or residual blocks)', min: 1, max: 100, default: 30 },
  width: { kind: 'int', label: 'Width (units per layer)', min: 2, max: 1024, default: 256 },
  activation: { kind: 'choice', label: 'Activation', values: ACTIVATIONS, default: 'relu' },
  residual: { kind: 'flag', label: 'Residual blocks (Dense, act, Dense, Add)', default: false },
  batchNorm: { kind: 'flag', label: 'BatchNorm after each Dense', default: false },
  armA: { kind: 'choice', label: 'Arm A', values: LAB_ARM_NAMES, default: 'stock-default' },
  armB: { kind: 'choice', label: 'Arm B', values: LAB_ARM_NAMES, default: 'he' },
  seed: { kind: 'int', label: 'Seed', min: 0, max: 2147483647, default: 1 },
  batch: { kind: 'int', label: 'Batch size', min: 8, max: 2048, default: 256 },
  gradientExamples: { kind: 'int', label: 'Examples for the gradients', min: 1, max: 2048, default: 64 },
  layer: { kind: 'int', label: 'Histogram of layer', min: 1, max: 101, default: 15 },
  backend: { kind: 'choice', label: 'Backend', values: ['auto', 'webgl', 'wasm', 'cpu'], default: 'auto' },
} as const satisfies Record<string, Control>;

/** The name of a control. */
export type ControlName = keyof typeof CONTROLS;
/** The value of every control. */
export type LabState = {
  [K in ControlName]: (typeof CONTROLS)[K] extends IntControl
    ? number
    : (typeof CONTROLS)[K] extends FlagControl
      ? boolean
      : string;
};

/** Every control at its default. */
export function defaults(): LabState {
  const entries = Object.entries(CONTROLS).map(([name, c]) => [name, c.default]);
  return Object.fromEntries(entries) as LabState;
}

/** Reads one raw value for a control: the value, or an error naming the field, the value and what is allowed. */
export function parseControl(name: ControlName, raw: string): { value: number | string | boolean } | { error: string } {
  const c: Control = CONTROLS[name];
  if (c.kind === 'int') {
    const n = Number(raw);
    if (raw.trim() !== '' && Number.isInteger(n) && n >= c.min && n <= c.max) return { value: n };
    return { error: `${name}: ${JSON.stringify(raw)} is not an integer in [${c.min}, ${c.max}]` };
  }
  if (c.kind === 'flag') {
    if (raw === '1' || raw === 'true') return { value: true };
    if (raw === '0' || raw === 'false') return { value: false };
    return { error: `${name}: ${JSON.stringify(raw)} is not one of 1, 0, true, false` };
  }
  if (c.values.includes(raw)) return { value: raw };
  return { error: `${name}: ${JSON.stringify(raw)} is not one of ${c.values.join(', ')}` };
}

/** The state a URL query gives (unknown or bad fields are reported and left at their defaults). */
export function fromQuery(search: string): { state: LabState; errors: string[] } {
  const state = defaults() as Record<string, number | string | boolean>;
  const errors: string[] = [];
  for (const [key, raw] of new URLSearchParams(search)) {
    if (!(key in CONTROLS)) {
      errors.push(`${key}: not a control (controls: ${Object.keys(CONTROLS).join(', ')})`);
      continue;
    }
    const parsed = parseControl(key as ControlName, raw);
    if ('error' in parsed) errors.push(parsed.error);
    else state[key] = parsed.value;
  }
  return { state: state as LabState, errors };
}

/** The URL query of a state: every control, flags as 1/0. */
export function toQuery(state: LabState): string {
  const params = new URLSearchParams();
  for (const name of Object.keys(CONTROLS) as ControlName[]) {
    const v = state[name];
    params.set(name, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  return params.toString();
}
