/** Saving a model in memory, for round trips in Node and in the browser bundle. */
import * as tf from '@tensorflow/tfjs';

/** The artifacts `model.save` writes, captured in memory. */
export async function saveToMemory(model: tf.LayersModel, config?: tf.io.SaveConfig): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
    config,
  );
  return artifacts as unknown as tf.io.ModelArtifacts;
}
