/** The Lab's DOM helpers: element lookup, Vega views, notices, the diagnose table, and the form built from CONTROLS. */
import * as vega from 'vega';
import { TopLevelSpec, compile } from 'vega-lite';
import type { SignalReport } from 'tfjs-initializers';
import { DIAGNOSE_COLUMNS } from '../../examples/src/diagnose_table';
import { CONTROLS, ControlName, LabState } from './state';

/** The element with this id. */
export const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** Chart width for this window: 340 px, narrower on a phone. */
export const chartWidth = (): number => Math.max(200, Math.min(340, window.innerWidth - 150));

const views = new Map<HTMLElement, vega.View>();

/** Renders a Vega-Lite spec as SVG into `el`, replacing (and finalizing) what was there. */
export async function draw(el: HTMLElement, spec: TopLevelSpec): Promise<void> {
  views.get(el)?.finalize();
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'svg', container: el, hover: true });
  views.set(el, view);
  await view.runAsync();
}

/** Shows these messages in the notices list (empty: clears it). */
export function notice(messages: string[]): void {
  $('notices').replaceChildren(
    ...messages.map((m) => {
      const li = document.createElement('li');
      li.textContent = m;
      return li;
    }),
  );
}

/** The per-layer table, with the shared column definitions. */
export function table(report: SignalReport, caption: string): HTMLElement {
  const wrap = document.createElement('div');
  wrap.className = 'table-wrap';
  const t = document.createElement('table');
  t.createCaption().textContent = caption;
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

/** Builds one labelled input per control into `form`; `onChange(name, raw)` gets each change as text. */
export function buildForm(
  form: HTMLElement,
  state: LabState,
  onChange: (name: ControlName, raw: string) => void,
): void {
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
    input.addEventListener('change', () =>
      onChange(
        name,
        input instanceof HTMLInputElement && input.type === 'checkbox' ? String(input.checked) : input.value,
      ),
    );
    if (c.kind === 'flag') field.append(input, label);
    else field.append(label, input);
    form.appendChild(field);
  }
  form.addEventListener('submit', (e) => e.preventDefault());
}
