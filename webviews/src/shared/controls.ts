/**
 * The labelled controls the chart pages' toolbars share (Live Metrics, Compare Runs): a select and
 * the smoothing slider, each inside a `<label class="control">` so it has a visible name.
 * Styled by `controls.css`.
 */
import { el } from './dom.ts';

/** A select of `options` (`[value, text]`) under a visible `name`. */
export function selectControl(name: string, options: readonly (readonly [value: string, text: string])[]): { label: HTMLLabelElement; select: HTMLSelectElement } {
  const label = el('label', 'control');
  label.append(el('span', 'control-name', name));
  const select = el('select');
  for (const [value, text] of options) {
    const option = el('option', undefined, text);
    option.value = value;
    select.append(option);
  }
  label.append(select);
  return { label, select };
}

/** The EMA smoothing slider (0 to 0.99) with its value beside it; `initial` sets both. */
export function smoothingControl(initial?: number): { label: HTMLLabelElement; input: HTMLInputElement; value: HTMLSpanElement } {
  const label = el('label', 'control');
  label.append(el('span', 'control-name', 'Smoothing'));
  const input = el('input');
  input.type = 'range';
  input.min = '0';
  input.max = '0.99';
  input.step = '0.01';
  if (initial !== undefined) input.value = String(initial);
  const value = el('span', 'control-value', (initial ?? 0).toFixed(2));
  label.append(input, value);
  return { label, input, value };
}
