/** `diagnose`: signal propagation of a saved model on a standard-normal batch. */
import * as tf from '@tensorflow/tfjs';
import * as path from 'path';
import { signalPropagation } from 'tfjs-initializers';
import { markdownTable, predictedStd } from './diagnose_table';
import { lineChart } from './svg';

interface Io {
  out(line: string): void;
  err(line: string): void;
}

export async function diagnose(
  modelPath: string,
  args: { batch: number; seed: number; out: string },
  writeAtomic: (file: string, data: string) => Promise<void>,
  io: Io,
): Promise<number> {
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(`file://${path.resolve(modelPath)}`);
  } catch (error) {
    io.err(`tfjs-init: cannot load ${modelPath}: ${(error as Error).message}`);
    return 2;
  }
  const inputShape = model.inputs[0].shape.slice(1) as number[];
  const x = tf.randomNormal([args.batch, ...inputShape], 0, 1, 'float32', args.seed);
  const report = signalPropagation(model, x);
  x.dispose();
  for (const line of markdownTable(report)) io.out(line);
  const chart = await lineChart(
    `signal propagation: ${path.basename(path.dirname(path.resolve(modelPath)))}`,
    'kernel layer (depth)',
    [
      {
        title: 'std on a standard-normal batch',
        yLabel: 'std',
        logY: true,
        series: [
          { name: 'pre-activation', values: report.layers.map((l) => l.preStd) },
          { name: 'activation', values: report.layers.map((l) => l.postStd) },
          // the root mean square the prediction gives (predictSignal, data-free): it equals the std for zero-mean outputs
          { name: 'predicted (rms)', values: report.layers.map(predictedStd), dashed: true },
        ],
      },
    ],
  );
  const file = path.join(args.out, 'diagnose.svg');
  await writeAtomic(file, chart);
  io.out(`\n${report.vanishing.length} vanishing, ${report.exploding.length} exploding; chart: ${file}`);
  model.dispose();
  return 0;
}
