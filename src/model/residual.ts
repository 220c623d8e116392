/**
 * Residual blocks found from the graph, not from layer names: an Add whose inputs come from one fork
 * tensor, one of them directly (the identity skip) or through layers without kernels, the others through
 * branches that hold kernel layers.
 */
import * as tf from '@tensorflow/tfjs';
import { kernelSlots } from './roles.js';

type Layer = tf.layers.Layer;

/** One residual block: the Add, its skip input and its branches (kernel-bearing layers, fork to Add). */
export interface ResidualBlock {
  /** The Add layer that closes the block. */
  add: Layer;
  /** The Add's input that is the skip path (the fork tensor itself, or a path without kernels). */
  skip: tf.SymbolicTensor;
  /** Each branch's layers in order from the fork to the Add. */
  branches: Layer[][];
}

/** How many layer calls consume each symbolic tensor (by id). */
function consumerCounts(model: tf.LayersModel): Map<number, number> {
  const counts = new Map<number, number>();
  for (const layer of model.layers) {
    for (const node of layer.inboundNodes) {
      for (const t of node.inputTensors) counts.set(t.id, (counts.get(t.id) ?? 0) + 1);
    }
  }
  for (const t of model.outputs) counts.set(t.id, (counts.get(t.id) ?? 0) + 1);
  return counts;
}

/** Walks back from `t` through single-input, single-consumer layers to the fork tensor; returns the path. */
function pathBack(t: tf.SymbolicTensor, counts: Map<number, number>): { layers: Layer[]; root: tf.SymbolicTensor } {
  const layers: Layer[] = [];
  let current = t;
  for (;;) {
    if ((counts.get(current.id) ?? 0) > 1) break; // a fork: consumed by more than this path
    const producer = current.sourceLayer;
    if (!producer || producer.getClassName() === 'InputLayer' || producer.inboundNodes.length !== 1) break;
    const inputs = producer.inboundNodes[0].inputTensors;
    if (inputs.length !== 1) break; // a merge starts another block
    layers.unshift(producer);
    current = inputs[0];
  }
  return { layers, root: current };
}

/** The residual blocks of a model, in topological order. */
export function residualBlocks(model: tf.LayersModel): ResidualBlock[] {
  const counts = consumerCounts(model);
  const blocks: ResidualBlock[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'Add' || layer.inboundNodes.length !== 1) continue;
    const inputs = layer.inboundNodes[0].inputTensors;
    const paths = inputs.map((t) => ({ t, ...pathBack(t, counts) }));
    const root = paths[0].root;
    if (inputs.length < 2 || paths.some((p) => p.root.id !== root.id)) continue;
    const hasKernel = (p: { layers: Layer[] }): boolean => p.layers.some((l) => kernelSlots(l).length > 0);
    const skips = paths.filter((p) => !hasKernel(p));
    const branches = paths.filter(hasKernel);
    if (skips.length !== 1 || branches.length === 0) continue;
    blocks.push({ add: layer, skip: skips[0].t, branches: branches.map((p) => p.layers) });
  }
  return blocks;
}
