/**
 * initializeModel's residual options: the weights that close each residual block's branches, and how each option
 * scales them. `zero`, `fixup` and `depth` are multipliers on planned draws; `preserve` scales each block once from
 * predictSignal's prediction of the weights just written, block by block in topological order.
 */
import * as tf from '@tensorflow/tfjs';
import { GraphNode, ModelGraph, cachedReader, overlayReader } from './graph.js';
import { shortName } from './layers/common.js';
import { Propagation } from './predict.js';
import { ResidualBlock } from './residual.js';
import { LayerInitReport } from './init_plan.js';
import { outputKernel, weightSlots } from './roles.js';
import { Stats, average, sumIndependent } from './moments.js';
import { Progress, replaceWeights } from './transaction.js';

type Layer = tf.layers.Layer;

/** A weight that closes a branch: the gamma of a normalization after its last kernel, or that kernel. */
interface ClosingWeight {
  node: GraphNode;
  index: number;
  /** `gamma` or `kernel`. */
  kind: 'gamma' | 'kernel';
}

/** The branch's last kernel node and its output kernel's index. */
function lastKernel(branch: GraphNode[]): { node: GraphNode; index: number; at: number } | null {
  for (let at = branch.length - 1; at >= 0; at--) {
    const k = outputKernel(branch[at].layer);
    if (k) return { node: branch[at], index: k.index, at };
  }
  return null;
}

/** The weight that scales a branch's contribution: a closing normalization's gamma, else the last kernel. */
function closingWeight(branch: GraphNode[]): ClosingWeight | null {
  const last = lastKernel(branch);
  if (!last) return null;
  for (const node of branch.slice(last.at + 1)) {
    const slots = weightSlots(node.layer);
    const gamma = typeof slots === 'string' ? undefined : slots.find((s) => s.role.role === 'gamma');
    if (gamma) return { node, index: gamma.index, kind: 'gamma' };
  }
  return { node: last.node, index: last.index, kind: 'kernel' };
}

type Rule = 'zero' | 'fixup' | 'depth';

/** Multipliers for the zero, fixup and depth rules, by `${layer name}#${weight index}`; notes the report rows. */
export function residualFactors(
  blocks: ResidualBlock[],
  rule: Rule,
  reports: LayerInitReport[],
): Map<Layer, Map<number, number>> {
  const factors = new Map<Layer, Map<number, number>>();
  const L = blocks.length;
  const note = (node: GraphNode, index: number, text: string, factor: number): void => {
    const perLayer = factors.get(node.layer) ?? new Map<number, number>();
    perLayer.set(index, factor);
    factors.set(node.layer, perLayer);
    const row = reports.find((r) => r.layer === node.name && r.weight === node.layer.weights[index].originalName);
    if (row) {
      row.note = row.note ? `${row.note}; ${text}` : text;
      row.factor = factor;
      if (row.std !== undefined) row.std *= Math.abs(factor);
    }
  };
  for (const block of blocks) {
    for (const branch of block.branches) {
      const last = lastKernel(branch);
      if (!last) continue;
      if (rule === 'zero') {
        const closing = closingWeight(branch) as ClosingWeight;
        const what = closing.kind === 'gamma' ? 'gamma 0' : '0';
        note(closing.node, closing.index, `residual 'zero': ${what}, the block starts as the identity`, 0);
      } else if (rule === 'fixup') {
        const kernels = branch.filter((n) => outputKernel(n.layer));
        const m = kernels.length;
        note(last.node, last.index, "residual 'fixup': last layer 0", 0);
        if (m > 1) {
          const f = Math.pow(L, -1 / (2 * m - 2));
          for (const n of kernels.slice(0, -1)) {
            const slots = weightSlots(n.layer);
            for (const s of typeof slots === 'string' ? [] : slots) {
              if (s.role.role === 'kernel')
                note(n, s.index, `residual 'fixup': x L^(-1/(2m-2)) = ${f.toPrecision(4)} (L ${L}, m ${m})`, f);
            }
          }
        }
      } else {
        note(last.node, last.index, `residual 'depth': std / sqrt(2 L) (L ${L})`, 1 / Math.sqrt(2 * L));
      }
    }
  }
  return factors;
}

/**
 * The factor c that makes a block's branches add `target` of the skip's second moment: with the skip S and the
 * branches' sum B (per channel), E[(S + c B)^2] - E[S^2] = c^2 sum E[B^2] + 2 c sum E[S] E[B], solved for c > 0.
 */
function blockFactor(skip: Stats, branch: Stats, target: number): number | null {
  let [bb, sb, ss] = [0, 0, 0];
  for (let c = 0; c < skip.mean.length; c++) {
    const j = c % branch.mean.length;
    bb += branch.m2[j];
    sb += skip.mean[c] * branch.mean[j];
    ss += skip.m2[c];
  }
  if (!(bb > 0) || !(ss > 0)) return null;
  return (-sb + Math.sqrt(sb * sb + bb * target * ss)) / bb;
}

/** What the prediction-driven scaling does: residual blocks only (`preserve`), or every kernel too (`predicted`). */
export interface PredictedScaling {
  /** Scale every writable kernel (but a block's closing one) so its pre-activation's predicted E[y^2] is 1. */
  units: boolean;
  /** The mode the prediction runs in: training (batch statistics) or inference (moving statistics). */
  training: boolean;
}

/**
 * Scales the weights just written from predictSignal's prediction of them, in one walk in topological order:
 * - `units`: each writable kernel (the output kernel of its layer, at the layer's first call), but the kernel that
 *   closes a residual branch, gets the factor that makes its pre-activation's predicted second moment 1 (the
 *   pre-activation of its own activation, or its output), given every earlier factor;
 * - at each residual block's Add (`preserve`), its branches' closing weights (a closing BatchNorm's gamma, else the
 *   last kernel) get the factor that makes the block add 1 / L of the stream's predicted second moment.
 * Writes the scaled weights and fills in the report rows (factor, predicted input second moment, note); a block whose
 * closing weight is frozen is left as it is, with a note.
 */
export function scaleByPrediction(
  graph: ModelGraph,
  blocks: ResidualBlock[],
  reports: LayerInitReport[],
  progress: Progress,
  writable: (layer: Layer) => boolean,
  how: PredictedScaling,
): void {
  const L = blocks.length;
  const base = cachedReader();
  const scaled = new Map<Layer, Map<number, number>>();
  // the prediction reads the weights as written, times the factors chosen so far (scaled once per factor)
  const values = new Map<Layer, Map<number, Float32Array>>();
  const read = overlayReader(base, (layer) => values.get(layer));
  const multiply = (layer: Layer, index: number, f: number): void => {
    const factors = scaled.get(layer) ?? new Map<number, number>();
    const total = (factors.get(index) ?? 1) * f;
    factors.set(index, total);
    scaled.set(layer, factors);
    const own = base(layer).get(shortName(layer.weights[index]));
    if (!own) return;
    const layerValues = values.get(layer) ?? new Map<number, Float32Array>();
    layerValues.set(
      index,
      own.values.map((x) => x * total),
    );
    values.set(layer, layerValues);
  };
  const rowOf = (node: GraphNode, index: number): LayerInitReport | undefined =>
    reports.find((r) => r.layer === node.name && r.weight === node.layer.weights[index].originalName);
  // the walk below predicts every node in order (a kernel's node again once it is scaled)
  const propagation = new Propagation(graph, 1, how.training, read, false);
  const closingsOf = blocks.map((b) => b.branches.map(closingWeight).filter((c): c is ClosingWeight => c !== null));
  const closingKernels = new Set(
    closingsOf
      .flat()
      .filter((c) => c.kind === 'kernel')
      .map((c) => c.node),
  );
  const blockAt = new Map(blocks.map((b, i) => [b.add.index, i]));
  const seen = new Set<Layer>();
  for (const node of graph.nodes) {
    progress.layer = node.name;
    const kernel =
      how.units && !closingKernels.has(node) && !seen.has(node.layer) ? outputKernel(node.layer) : undefined;
    seen.add(node.layer);
    let predicted = false;
    if (kernel && writable(node.layer)) {
      propagation.run(node.index, node.index);
      const pre = propagation.preActivations.get(node.index);
      const m = pre ? average(pre.m2) : NaN;
      const row = rowOf(node, kernel.index);
      if (m > 0 && Number.isFinite(m)) {
        const f = 1 / Math.sqrt(m);
        multiply(node.layer, kernel.index, f);
        // the node again with its kernel scaled (from the rule's linear answer where it has one)
        propagation.rescale(node.index, f);
        predicted = true;
        if (row) {
          const input = node.inputs.map((k) => propagation.stats(k)).find((x) => x !== null);
          if (input) row.predictedInputSecondMoment = average(input.m2);
          row.factor = f;
          if (row.std !== undefined) row.std *= f;
          row.note = `predicted: scaled by ${f.toPrecision(4)} so the pre-activation's predicted second moment is 1 (the local rule gave ${m.toPrecision(4)})`;
        }
      } else if (row) {
        const why = propagation.rows[node.index].note ?? 'no prediction';
        row.note = `predicted: no prediction here (${why}); left at the local rule's scale`;
      }
    }
    const b = blockAt.get(node.index);
    if (b !== undefined) scaleBlock(b);
    if (!predicted) propagation.run(node.index, node.index);
  }

  /** At block b's Add: its closing weights' factor, from the prediction of everything before. */
  function scaleBlock(b: number): void {
    const block = blocks[b];
    const closings = closingsOf[b];
    const frozen = closings.find((c) => !writable(c.node.layer));
    if (frozen) {
      reports.push({
        layer: block.add.name,
        className: block.add.layer.getClassName(),
        skipped: `residual 'preserve': the branch's closing weight (${frozen.node.name}) is frozen; block left as it is`,
      });
      return;
    }
    const skip = propagation.stats(block.skip);
    const branchStats = block.branches.map((br) => propagation.stats(br[br.length - 1].outputs[0]));
    if (!skip || branchStats.some((st) => !st)) return;
    const c = blockFactor(skip, sumIndependent(branchStats as Stats[]), 1 / L);
    if (c === null || !Number.isFinite(c)) return;
    for (const closing of closings) multiply(closing.node.layer, closing.index, c);
    const first = Math.min(...closings.map((x) => x.node.index));
    propagation.run(first, block.add.index);
    const out = propagation.stats(block.add.outputs[0]);
    const achieved = out ? average(out.m2) / average(skip.m2) - 1 : NaN;
    for (const closing of closings) {
      const row = rowOf(closing.node, closing.index);
      if (!row) continue;
      row.predictedInputSecondMoment = average(skip.m2);
      row.factor = c * (row.factor ?? 1);
      row.note = `residual 'preserve': ${closing.kind} scaled by ${c.toPrecision(4)} so the block adds ${achieved.toPrecision(3)} of the stream's predicted second moment (target 1/${L})`;
      if (row.std !== undefined) row.std *= c;
    }
  }

  for (const [layer, factors] of scaled) {
    progress.layer = layer.name;
    const weights = layer.getWeights();
    replaceWeights(layer, new Map([...factors].map(([i, f]) => [i, tf.mul(weights[i], f)])));
  }
}
