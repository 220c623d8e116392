/**
 * Runs a model's flattened graph eagerly, node by node, the way tfjs's own executor does (masks included), but
 * through each rule's `run` where it has one (BatchNorm: no moving-statistics update, no scale needed), with hooks
 * for the tools: read every node's values as they pass, compute a node another way (a linear twin, a
 * perturbation), keep chosen values. Values are disposed as soon as their last consumer has run.
 */
import * as tf from '@tensorflow/tfjs';
import { GraphNode, ModelGraph } from './graph.js';

/** How to run the graph. */
export interface RunOptions {
  /** Training mode: batch statistics, dropout and noise on. */
  training: boolean;
  /** Called after each node with its input and output values (disposed after the call unless kept). */
  onNode?: (node: GraphNode, inputs: tf.Tensor[], outputs: tf.Tensor[]) => void;
  /** Computes a node in place of its layer; null runs the layer. */
  compute?: (node: GraphNode, inputs: tf.Tensor[]) => tf.Tensor[] | null;
  /** Keys whose values are returned (default: the model's outputs). */
  keep?: readonly string[];
}

/**
 * Runs one node's layer on concrete inputs (its rule's `run` where it has one), in a scope that frees whatever the
 * layer leaves behind (tfjs 4.22's ReLU with a maxValue leaks one tensor a call).
 */
export function runNode(node: GraphNode, inputs: tf.Tensor[], training: boolean, mask?: tf.Tensor | null): tf.Tensor[] {
  return tf.tidy(() => {
    const run = node.rule?.run;
    if (run) return [run(node.layer, inputs, training)];
    const kwargs: Record<string, unknown> = { ...node.callArgs, training };
    if (mask) kwargs.mask = mask;
    const out = node.layer.apply(inputs.length === 1 ? inputs[0] : inputs, kwargs) as tf.Tensor | tf.Tensor[];
    return Array.isArray(out) ? out : [out];
  });
}

/**
 * Runs the graph on `values` (the model inputs' values by key); returns the values of `keep` by key. The given values are the caller's; everything else is disposed once
 * used, unless kept.
 */
export function runGraph(
  graph: ModelGraph,
  values: ReadonlyMap<string, tf.Tensor>,
  options: RunOptions,
): Map<string, tf.Tensor> {
  const { training, onNode, compute } = options;
  const keep = new Set(options.keep ?? graph.outputs);
  const nodes = graph.nodes.filter((n) => n.inputs.length > 0); // model inputs are given
  const live = new Map<string, tf.Tensor>(values);
  const given = new Set(values.values());
  const masks = new Map<string, tf.Tensor | null>();
  // uses left per tensor object (a layer may return its input itself, so keys can share a tensor)
  const uses = new Map<tf.Tensor, number>();
  const claim = (t: tf.Tensor, n: number): void => void uses.set(t, (uses.get(t) ?? 0) + n);
  const reads = new Map<string, number>();
  for (const n of nodes) for (const k of n.inputs) reads.set(k, (reads.get(k) ?? 0) + 1);
  const usesOf = (key: string): number => (reads.get(key) ?? 0) + (keep.has(key) ? 1 : 0);
  for (const [key, t] of live) claim(t, usesOf(key));
  const release = (t: tf.Tensor): void => {
    const left = (uses.get(t) ?? 0) - 1;
    uses.set(t, left);
    if (left <= 0 && !given.has(t) && !t.isDisposed) t.dispose();
  };
  const result = new Map<string, tf.Tensor>();
  try {
    for (const node of nodes) {
      const inputs = node.inputs.map((k) => {
        const v = live.get(k);
        if (!v) throw new Error(`no value for ${node.name}'s input`);
        return v;
      });
      const inputMasks = node.inputs.map((k) => masks.get(k) ?? null);
      const computed = compute?.(node, inputs) ?? null;
      const outputs = computed ?? runNode(node, inputs, training, inputMasks.find((m) => m) ?? null);
      if (node.layer.supportsMasking && computed === null) {
        const given = inputs.length === 1 ? (inputMasks[0] ?? undefined) : (inputMasks as tf.Tensor[]);
        const m = node.layer.computeMask(inputs.length === 1 ? inputs[0] : inputs, given);
        const first = Array.isArray(m) ? m[0] : m;
        node.outputs.forEach((k) => masks.set(k, first ?? null));
      }
      node.outputs.forEach((k, i) => {
        live.set(k, outputs[i]);
        claim(outputs[i], usesOf(k));
      });
      onNode?.(node, inputs, outputs);
      for (const t of inputs) release(t);
      // outputs no node reads and nobody keeps
      outputs.forEach((t) => {
        if ((uses.get(t) ?? 0) <= 0 && !given.has(t) && !t.isDisposed) t.dispose();
      });
    }
    for (const key of keep) {
      const v = live.get(key);
      if (v && !v.isDisposed) result.set(key, v);
    }
    return result;
  } catch (error) {
    for (const t of uses.keys()) if (!given.has(t) && !t.isDisposed) t.dispose();
    throw error;
  } finally {
    const maskTensors = new Set([...masks.values()].filter((m): m is tf.Tensor => m !== null));
    for (const m of maskTensors) if (!m.isDisposed && !given.has(m)) m.dispose();
  }
}
