/**
 * Residual blocks found from the graph, not from layer names: a sum merge (Add) whose inputs come from one fork
 * value, one of them directly (the identity skip) or through nodes without kernels, the others through branches
 * that hold kernel layers. Nested models are walked as the layers they hold.
 */
import type * as tf from '@tensorflow/tfjs';
import { GraphNode, ModelGraph, modelGraph } from './graph.js';
import { kernelSlots } from './roles.js';

/** One residual block: the Add, its skip input and its branches (kernel-bearing nodes, fork to Add). */
export interface ResidualBlock {
  /** The node of the Add that closes the block. */
  add: GraphNode;
  /** The key of the Add's input that is the skip path (the fork value itself, or a path without kernels). */
  skip: string;
  /** Each branch's nodes in order from the fork to the Add. */
  branches: GraphNode[][];
}

/** Walks back from `key` through single-input, single-consumer nodes to the fork value; returns the path. */
function pathBack(graph: ModelGraph, key: string): { nodes: GraphNode[]; root: string } {
  const nodes: GraphNode[] = [];
  let current = key;
  for (;;) {
    const uses = (graph.consumers.get(current)?.length ?? 0) + (graph.outputs.includes(current) ? 1 : 0);
    if (uses > 1) break; // a fork: consumed by more than this path
    const producer = graph.producer.get(current);
    if (!producer || producer.inputs.length !== 1) break; // a model input, or a merge that starts another block
    nodes.unshift(producer);
    current = producer.inputs[0];
  }
  return { nodes, root: current };
}

/** The residual blocks of a model (or of its flattened graph), in topological order. */
export function residualBlocks(model: tf.LayersModel | ModelGraph): ResidualBlock[] {
  const graph = 'nodes' in model ? model : modelGraph(model);
  const blocks: ResidualBlock[] = [];
  for (const node of graph.nodes) {
    if (node.rule?.merge !== 'sum' || node.inputs.length < 2) continue;
    const paths = node.inputs.map((key) => ({ key, ...pathBack(graph, key) }));
    const root = paths[0].root;
    if (paths.some((p) => p.root !== root)) continue;
    const hasKernel = (p: { nodes: GraphNode[] }): boolean => p.nodes.some((n) => kernelSlots(n.layer).length > 0);
    const skips = paths.filter((p) => !hasKernel(p));
    const branches = paths.filter(hasKernel);
    if (skips.length !== 1 || branches.length === 0) continue;
    blocks.push({ add: node, skip: skips[0].key, branches: branches.map((p) => p.nodes) });
  }
  return blocks;
}
