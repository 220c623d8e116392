/** `diagnose`: signal propagation of a saved model on a standard-normal batch. */
import * as tf from '@tensorflow/tfjs';
import * as path from 'path';
import { SignalReport, sampleInputs, signalPropagation } from 'tfjs-initializers';
import { markdownTable } from './diagnose_table';
import { lineChart } from './svg';

interface Io {
  out(line: string): void;
  err(line: string): void;
}

/** What to try after a failure, from its message. */
function hint(message: string, args: { batch: number; training: boolean }): string {
  if (/memory|Aborted|allocat|out of bounds|texture size/i.test(message))
    return `out of memory: try a smaller --chunk (examples run at once) or --batch ${Math.max(1, args.batch >> 2)}`;
  if (/no rule for/.test(message)) return 'the layer needs a rule (registerLayerRule)';
  if (/one input/.test(message)) return 'diagnose measures models with one input';
  return args.training ? 'try --inference' : 'see the layer named above';
}

export async function diagnose(
  modelPath: string,
  args: { batch: number; seed: number; out: string; training: boolean; chunk?: number },
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
  let report: SignalReport;
  let x: tf.Tensor[] = [];
  try {
    x = sampleInputs(model, args.batch, { seed: args.seed });
    report = signalPropagation(model, x[0], undefined, { training: args.training, chunkSize: args.chunk });
  } catch (error) {
    const message = ((error as Error)?.message ?? String(error)).split('\n')[0];
    io.err(
      `tfjs-init: diagnose ${path.basename(path.dirname(path.resolve(modelPath)))} failed: ${message}; ${hint(message, args)}`,
    );
    model.dispose();
    return 1;
  } finally {
    tf.dispose(x);
  }
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
          // predictSignal's data-free prediction of the activation std
          { name: 'activation, predicted', values: report.layers.map((l) => l.predictedStd), dashed: true },
        ],
      },
    ],
  );
  const file = path.join(args.out, 'diagnose.svg');
  await writeAtomic(file, chart);
  io.out(
    `\n${report.vanishing.length} vanishing, ${report.exploding.length} exploding (${args.training ? 'training' : 'inference'} mode, ${report.chunkSize} examples at once); chart: ${file}`,
  );
  model.dispose();
  return 0;
}
