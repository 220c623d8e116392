/**
 * A built model as the tools see it: every layer call (node) in topological order, with nested models (Sequential
 * or Functional used as layers) expanded into the layers they hold, each node's rule from the table, its input and
 * output keys and shapes, and whether its weights are frozen. On top of it, the nonlinearity a kernel's input went
 * through and the one that consumes its output, looked up through the layers the rules say pass it.
 */
import * as tf from '@tensorflow/tfjs';
import { ActivationName } from '../math/activations.js';
import { fusedActivation, shortName } from './layers/common.js';
import { BuiltinRule, Nonlinearity, WeightMap, WeightValues, ruleFor } from './layers/index.js';

type Layer = tf.layers.Layer;

/** One call of a layer in the flattened graph. */
export interface GraphNode {
  /** The row name: the layer's name, after its enclosing models' (`backbone/conv1`), `#k` for a shared layer's k-th call. */
  name: string;
  /** The layer. */
  layer: Layer;
  /** Its rule, or undefined for a class the table does not know. */
  rule: BuiltinRule | undefined;
  /** Keys of its input values. */
  inputs: string[];
  /** Keys of its output values. */
  outputs: string[];
  /** Symbolic shapes of its inputs and outputs (batch axis first, null). */
  inputShapes: tf.Shape[];
  outputShapes: tf.Shape[];
  /** The keyword arguments the layer was called with (besides its inputs). */
  callArgs: Record<string, unknown>;
  /** The layer, or a model enclosing it, has `trainable: false`. */
  frozen: boolean;
  /** Position in `nodes`. */
  index: number;
}

/** A layer of the flattened graph: each layer once, with its calls. */
export interface GraphLayer {
  /** The layer's row name (its first call's). */
  name: string;
  /** The layer. */
  layer: Layer;
  /** Its rule. */
  rule: BuiltinRule | undefined;
  /** Frozen (trainable: false, itself or an enclosing model). */
  frozen: boolean;
  /** Its calls. */
  nodes: GraphNode[];
}

/** The flattened graph of a model. */
export interface ModelGraph {
  /** The model. */
  model: tf.LayersModel;
  /** Every call, in topological order (top-level InputLayers first). */
  nodes: GraphNode[];
  /** Every layer once, in the order of its first call. */
  layers: GraphLayer[];
  /** Keys of the model's inputs and outputs. */
  inputs: string[];
  outputs: string[];
  /** The node that produces each key (model inputs: their InputLayer node). */
  producer: ReadonlyMap<string, GraphNode>;
  /** The nodes that consume each key, one entry per use. */
  consumers: ReadonlyMap<string, GraphNode[]>;
}

interface Container {
  inputs: tf.SymbolicTensor[];
  outputs: tf.SymbolicTensor[];
  layers: Layer[];
  name: string;
  trainable: boolean;
}

interface SymbolicNode {
  outboundLayer: Layer;
  inboundLayers: Layer[];
  inputTensors: tf.SymbolicTensor[];
  outputTensors: tf.SymbolicTensor[];
  callArgs?: Record<string, unknown>;
}

/**
 * A container's nodes in topological order: tfjs's nodesByDepth (the deepest first) where the container has it,
 * else (a Sequential not yet built) a depth-first walk back from its outputs to its inputs.
 */
function orderedNodes(container: Container): SymbolicNode[] {
  const own = container as unknown as {
    nodesByDepth?: Record<string, SymbolicNode[]>;
    model?: { nodesByDepth?: Record<string, SymbolicNode[]> };
  };
  const byDepth = [own.nodesByDepth, own.model?.nodesByDepth].find((d) => d && Object.keys(d).length);
  if (byDepth) {
    return Object.keys(byDepth)
      .map(Number)
      .sort((a, b) => b - a)
      .flatMap((d) => byDepth[d]);
  }
  const inputs = new Set(container.inputs.map((t) => t.id));
  const order: SymbolicNode[] = [];
  const seen = new Set<SymbolicNode>();
  const nodeOf = (t: tf.SymbolicTensor): SymbolicNode | undefined =>
    (t.sourceLayer as unknown as { inboundNodes: SymbolicNode[] }).inboundNodes[t.nodeIndex];
  // iterative post-order: a node after every node that produces its inputs
  const stack: Array<{ node: SymbolicNode; expanded: boolean; tensor: tf.SymbolicTensor }> = [];
  const push = (t: tf.SymbolicTensor): void => {
    const node = nodeOf(t);
    if (node && !seen.has(node)) stack.push({ node, expanded: false, tensor: t });
  };
  container.outputs.forEach(push);
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (seen.has(top.node)) {
      stack.pop();
      continue;
    }
    if (!top.expanded && !inputs.has(top.tensor.id)) {
      top.expanded = true;
      [...top.node.inputTensors].reverse().forEach(push);
      continue;
    }
    stack.pop();
    seen.add(top.node);
    order.push(top.node);
  }
  return order;
}

const isContainer = (layer: Layer): boolean => ruleFor(layer)?.nested === true || layer instanceof tf.LayersModel;

/** The model's flattened graph. */
export function modelGraph(model: tf.LayersModel): ModelGraph {
  const nodes: GraphNode[] = [];
  const calls = new Map<Layer, number>();
  const inputKeys = model.inputs.map((t) => String(t.id));
  const add = (node: Omit<GraphNode, 'index' | 'name'>, scope: string): GraphNode => {
    const call = calls.get(node.layer) ?? 0;
    calls.set(node.layer, call + 1);
    const full = { ...node, index: nodes.length, name: `${scope}${node.layer.name}${call ? `#${call}` : ''}` };
    nodes.push(full);
    return full;
  };
  model.inputs.forEach((t, i) => {
    const layer = t.sourceLayer as Layer;
    add(
      {
        layer,
        rule: ruleFor(layer),
        inputs: [],
        outputs: [inputKeys[i]],
        inputShapes: [],
        outputShapes: [t.shape],
        callArgs: {},
        frozen: !model.trainable,
      },
      '',
    );
  });
  const containerCalls = new Map<Layer, number>();
  const expand = (container: Container, ins: string[], prefix: string, scope: string, frozen: boolean): string[] => {
    const alias = new Map<number, string>();
    container.inputs.forEach((t, i) => alias.set(t.id, ins[i]));
    const keyOf = (t: tf.SymbolicTensor): string => alias.get(t.id) ?? `${prefix}${t.id}`;
    for (const node of orderedNodes(container)) {
      const layer = node.outboundLayer;
      if (node.inboundLayers.length === 0) continue; // an input of the container (its InputLayer's node)
      const inputs = node.inputTensors.map(keyOf);
      const layerFrozen = frozen || !layer.trainable;
      if (isContainer(layer)) {
        const k = containerCalls.get(layer) ?? 0;
        containerCalls.set(layer, k + 1);
        const inner = `${scope}${layer.name}${k ? `#${k}` : ''}/`;
        const outs = expand(layer as unknown as Container, inputs, `${prefix}${inner}`, inner, layerFrozen);
        node.outputTensors.forEach((t, i) => alias.set(t.id, outs[i]));
        continue;
      }
      add(
        {
          layer,
          rule: ruleFor(layer),
          inputs,
          outputs: node.outputTensors.map(keyOf),
          inputShapes: node.inputTensors.map((t) => t.shape),
          outputShapes: node.outputTensors.map((t) => t.shape),
          callArgs: { ...(node.callArgs ?? {}) },
          frozen: layerFrozen,
        },
        scope,
      );
    }
    return container.outputs.map(keyOf);
  };
  const outputs = expand(model as unknown as Container, inputKeys, '', '', !model.trainable);
  const producer = new Map<string, GraphNode>();
  const consumers = new Map<string, GraphNode[]>();
  const layers = new Map<Layer, GraphLayer>();
  for (const node of nodes) {
    for (const key of node.outputs) producer.set(key, node);
    for (const key of node.inputs) consumers.set(key, [...(consumers.get(key) ?? []), node]);
    const entry = layers.get(node.layer);
    if (entry) entry.nodes.push(node);
    else
      layers.set(node.layer, {
        name: node.name,
        layer: node.layer,
        rule: node.rule,
        frozen: node.frozen,
        nodes: [node],
      });
  }
  return { model, nodes, layers: [...layers.values()], inputs: inputKeys, outputs, producer, consumers };
}

/** Reads a layer's (or a cell's) weights by short name. */
export type WeightReader = (layer: Layer) => WeightMap;

/** Every weight of `layer` (or of a recurrent cell) by its short name: kernel, bias, recurrent_kernel, gamma... */
function weightsByName(layer: Layer): Map<string, WeightValues> {
  const values = layer.getWeights();
  return new Map(
    layer.weights.map((w, i) => [
      shortName(w),
      { values: values[i].dataSync() as Float32Array, shape: values[i].shape as number[] },
    ]),
  );
}

/** `base`, with the values `overrides(layer)` gives (by weight index) in place of the layer's own. */
export function overlayReader(
  base: WeightReader,
  overrides: (layer: Layer) => ReadonlyMap<number, Float32Array> | undefined,
): WeightReader {
  return (layer) => {
    const given = overrides(layer);
    if (!given) return base(layer);
    const out = new Map(base(layer));
    for (const [index, values] of given) {
      out.set(shortName(layer.weights[index]), { values, shape: layer.weights[index].shape as number[] });
    }
    return out;
  };
}

/** A reader that reads each layer's weights from the backend once. */
export function cachedReader(): WeightReader {
  const cache = new Map<Layer, Map<string, WeightValues>>();
  return (layer) => {
    let w = cache.get(layer);
    if (!w) cache.set(layer, (w = weightsByName(layer)));
    return w;
  };
}

/** A nonlinearity as found in the graph; `data` marks a model input (no nonlinearity, gain 1). */
export interface FoundActivation {
  /** The activation, or `data`. */
  name: ActivationName | 'data';
  /** Its alpha. */
  alpha?: number;
  /** Where it was found, e.g. "dense_1 (own activation)" or "re_lu_1", with any note. */
  source: string;
  /** The node whose output is the activated value (the kernel layer itself, or the activation layer). */
  node?: GraphNode;
  /** The activation is a softmax: see Nonlinearity. */
  probabilities?: boolean;
}

const found = (a: Nonlinearity, source: string, node?: GraphNode): FoundActivation => ({
  name: a.name,
  ...(a.alpha !== undefined ? { alpha: a.alpha } : {}),
  source: a.note ? `${source} (${a.note})` : source,
  node,
  ...(a.probabilities ? { probabilities: true } : {}),
});

/** The nonlinearity a node applies (an activation layer), or its own fused one (a kernel layer). */
function nodeActivation(node: GraphNode, read: WeightReader): Nonlinearity {
  const rule = node.rule;
  if (rule?.activation) return rule.activation(node.layer, read(node.layer));
  return fusedActivation(node.layer);
}

/**
 * The nonlinearity applied to a kernel node's output: its own activation if it has one, else an activation layer
 * reached through layers that pass it (reshapes, pooling, normalization, dropout, concatenation); linear if none,
 * or if the output branches or leaves the model (the source says so).
 */
export function activationAfter(graph: ModelGraph, node: GraphNode, read: WeightReader): FoundActivation {
  const own = nodeActivation(node, read);
  if (own.name !== 'linear' || own.note) return found(own, `${node.name} (own activation)`, node);
  let current = node;
  for (;;) {
    const next = graph.consumers.get(current.outputs[0]) ?? [];
    if (next.length !== 1 || graph.outputs.includes(current.outputs[0])) {
      const why =
        next.length > 1 ? 'branches: assumed linear' : next.length ? 'a model output: linear' : 'model output';
      return { name: 'linear', source: `${current.name} (${why})` };
    }
    const c = next[0];
    const passes = c.rule?.passes ?? 'opaque';
    if (passes === 'activation') return found(nodeActivation(c, read), c.name, c);
    if (passes !== 'through') return { name: 'linear', source: `${node.name} (followed by ${c.name})` };
    current = c;
  }
}

/**
 * The nonlinearity a node's input went through: `data` for a model input, the activation of an activation layer
 * or of the kernel layer upstream, through layers that pass it; through a concatenation, the one its inputs share
 * (linear when they differ).
 */
export function activationBefore(graph: ModelGraph, node: GraphNode, read: WeightReader): FoundActivation {
  const upstream = (key: string, seen: number): FoundActivation => {
    const p = graph.producer.get(key);
    if (!p || p.inputs.length === 0) return { name: 'data', source: 'model input' };
    const passes = p.rule?.passes ?? 'opaque';
    if (passes === 'activation' || passes === 'kernel') return found(nodeActivation(p, read), p.name);
    if (passes !== 'through' || seen > graph.nodes.length)
      return { name: 'linear', source: `${p.name} (assumed linear)` };
    if (p.inputs.length === 1) return upstream(p.inputs[0], seen + 1);
    const parts = p.inputs.map((k) => upstream(k, seen + 1));
    const first = parts[0];
    if (parts.every((x) => x.name === first.name && x.alpha === first.alpha))
      return { ...first, source: `${first.source}, through ${p.name}` };
    return {
      name: 'linear',
      source: `${p.name} (merges ${[...new Set(parts.map((x) => x.name))].join(', ')}: assumed linear)`,
    };
  };
  if (node.inputs.length === 0) return { name: 'data', source: 'model input' };
  return upstream(node.inputs[0], 0);
}
