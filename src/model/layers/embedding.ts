/** Embedding: a table [vocabulary, dim] looked up by integer ids, taken as uniform over the vocabulary. */
import { numberOf, rolesByName } from './common.js';
import { RuleFamily } from './registry.js';
import { MomentRule } from './types.js';

/** Each dimension's moments over the table's rows: the output's moments for ids uniform over the vocabulary. */
const embeddingMoments: MomentRule = ({ weights }) => {
  const e = weights.get('embeddings');
  if (!e) return 'no embeddings';
  const [vocab, dim] = e.shape;
  const mean = new Float64Array(dim);
  const m2 = new Float64Array(dim);
  for (let v = 0; v < vocab; v++) {
    for (let d = 0; d < dim; d++) {
      const x = e.values[v * dim + d];
      mean[d] += x / vocab;
      m2[d] += (x * x) / vocab;
    }
  }
  return { moments: { mean, m2 }, note: 'ids taken as uniform over the vocabulary' };
};

/** The rules of this family. */
export const EMBEDDING_RULES: RuleFamily = {
  Embedding: {
    weights: (layer) => rolesByName(layer, { embeddings: { role: 'embedding' } }),
    moments: embeddingMoments,
    probe: 'embedding',
    ids: (layer) => numberOf(layer, 'inputDim', 1),
  },
};
