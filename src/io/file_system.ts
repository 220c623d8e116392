/**
 * A `file://` IO handler for Node that needs no tfjs-node. It writes what tfjs-node's
 * writer writes (`model.json` with modelTopology, weightsManifest [{paths: ['weights.bin'],
 * weights}], format, generatedBy, convertedBy, then trainingConfig, signature and
 * userDefinedMetadata when present; `weights.bin` the concatenated weight data), but
 * atomically: each file goes to a temporary name in the same folder and is renamed into
 * place, weights first, so a crash never leaves a half-written file under the real name.
 * Loading checks every weights file against the manifest's byte count.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'fs';
import * as path from 'path';
import { InitializerConfigError, ModelFileError } from '../errors.js';

/** tf.io's router type, reached through @tensorflow/tfjs alone. */
type IORouter = Parameters<typeof tf.io.registerSaveRouter>[0];

const FILE_SCHEME = 'file://';
const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

const BYTES_PER_ELEMENT: Readonly<Record<string, number>> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** Bytes a manifest entry occupies, or null where it cannot be known (strings). */
function entryBytes(spec: tf.io.WeightsManifestEntry): number | null {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const width = BYTES_PER_ELEMENT[dtype];
  if (width === undefined) return null;
  return spec.shape.reduce((a, b) => a * b, 1) * width;
}

/**
 * Writes `data` to `target` through a temporary file in the same folder and a rename.
 *
 * @example
 * ```ts
 * import * as fs from 'fs';
 * import { writeFileAtomic } from 'tfjs-initializers/node';
 *
 * // written under a temporary name, then renamed: a reader never sees half a file
 * await writeFileAtomic('./notes.txt', 'all or nothing\n');
 * console.log(fs.readFileSync('./notes.txt', 'utf8').trim());
 * ```
 * ```text output
 * all or nothing
 * ```
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`,
  );
  const handle = await fs.open(temp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

/**
 * The model.json text tfjs-node's writer would produce for these artifacts.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { modelJsonText } from 'tfjs-initializers/node';
 *
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * await model.save(
 *   tf.io.withSaveHandler(async (artifacts) => {
 *     console.log(Object.keys(JSON.parse(modelJsonText(artifacts))).slice(0, 2).join(', '));
 *     return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
 *   }),
 * );
 * ```
 * ```text output
 * modelTopology, weightsManifest
 * ```
 */
export function modelJsonText(artifacts: tf.io.ModelArtifacts): string {
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
  };
  if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature != null) json.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata != null) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  return JSON.stringify(json);
}

/**
 * Saves to and loads from a folder (save) or a model.json path (load).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { NodeFileSystem } from 'tfjs-initializers/node';
 *
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * await model.save(new NodeFileSystem('./my-model')); // ./my-model/model.json and weights.bin
 * const loaded = await tf.loadLayersModel(new NodeFileSystem('./my-model/model.json'));
 * console.log(loaded.layers[0].getWeights()[0].shape);
 * ```
 * ```text output
 * [ 3, 2 ]
 * ```
 */
export class NodeFileSystem implements tf.io.IOHandler {
  /** The folder to save into, or the model.json to load, as an absolute path. */
  readonly path: string;

  constructor(filePath: string) {
    if (typeof filePath !== 'string' || filePath.length === 0) {
      throw new InitializerConfigError('fileSystem', 'path', filePath, 'a non-empty string');
    }
    this.path = path.resolve(filePath);
  }

  /** Writes model.json and weights.bin atomically (weights first). */
  async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
    if (artifacts.modelTopology instanceof ArrayBuffer) {
      const message = 'fileSystem: saving a binary (GraphDef) topology is not supported; save a LayersModel.';
      throw new ModelFileError(this.path, 'modelTopology', 'a LayersModel topology (JSON)', message);
    }
    await fs.mkdir(this.path, { recursive: true });
    const stat = await fs.stat(this.path);
    if (!stat.isDirectory()) {
      const message = `fileSystem: ${this.path} exists and is not a folder; give a folder to save into.`;
      throw new ModelFileError(this.path, 'path', 'a folder to save into', message);
    }
    const weights =
      artifacts.weightData == null ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
    await writeFileAtomic(path.join(this.path, WEIGHTS_BIN), new Uint8Array(weights));
    await writeFileAtomic(path.join(this.path, MODEL_JSON), modelJsonText(artifacts));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }

  /** Reads model.json and its weights files, checking sizes against the manifest. */
  async load(): Promise<tf.io.ModelArtifacts> {
    const text = await readOrExplain(this.path, 'model.json').then((b) => b.toString('utf8'));
    let json: tf.io.ModelJSON;
    try {
      json = JSON.parse(text) as tf.io.ModelJSON;
    } catch (error) {
      const message = `fileSystem: ${this.path} is not valid JSON (${(error as Error).message})`;
      throw withCause(new ModelFileError(this.path, 'model.json', 'valid JSON', message), error);
    }
    if (json === null || typeof json !== 'object' || json.modelTopology == null) {
      const message = `fileSystem: ${this.path} has no modelTopology; is it a tfjs model.json?`;
      throw new ModelFileError(this.path, 'modelTopology', 'present', message);
    }
    const artifacts: tf.io.ModelArtifacts = {
      modelTopology: json.modelTopology,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
    };
    if (json.weightsManifest != null) {
      const [specs, data] = await this.loadWeights(json.weightsManifest);
      artifacts.weightSpecs = specs;
      artifacts.weightData = data;
    }
    if (json.trainingConfig != null) artifacts.trainingConfig = json.trainingConfig;
    if (json.signature != null) artifacts.signature = json.signature;
    if (json.userDefinedMetadata != null) artifacts.userDefinedMetadata = json.userDefinedMetadata;
    return artifacts;
  }

  private async loadWeights(
    manifest: tf.io.WeightsManifestConfig,
  ): Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer]> {
    if (!Array.isArray(manifest)) {
      const message = `fileSystem: ${this.path}: weightsManifest must be an array`;
      throw new ModelFileError(this.path, 'weightsManifest', 'an array', message);
    }
    const folder = path.dirname(this.path);
    const buffers: Uint8Array[] = [];
    const specs: tf.io.WeightsManifestEntry[] = [];
    for (const group of manifest) {
      if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
        const message = `fileSystem: ${this.path}: each weightsManifest group needs paths and weights arrays`;
        throw new ModelFileError(this.path, 'weightsManifest', 'groups with paths and weights arrays', message);
      }
      let groupBytes = 0;
      for (const p of group.paths) {
        if (typeof p !== 'string' || path.isAbsolute(p) || path.normalize(p).split(path.sep).includes('..')) {
          const message = `fileSystem: ${this.path}: weights path ${JSON.stringify(p)} must be a relative path inside the model's folder`;
          throw new ModelFileError(
            this.path,
            'weightsManifest.paths',
            "relative paths inside the model's folder",
            message,
          );
        }
        const buffer = await readOrExplain(path.join(folder, p), 'weights file');
        groupBytes += buffer.byteLength;
        buffers.push(buffer);
      }
      const sizes = group.weights.map(entryBytes);
      if (sizes.every((s): s is number => s !== null)) {
        const expected = sizes.reduce((a, b) => a + b, 0);
        if (expected !== groupBytes) {
          const files = group.paths.join(', ');
          const message = `fileSystem: weights ${files} hold ${groupBytes} bytes but the manifest in ${this.path} describes ${expected}; the files are truncated, corrupt or from another model`;
          throw new ModelFileError(this.path, 'weights', `${expected} bytes, as the manifest describes`, message);
        }
      }
      specs.push(...group.weights);
    }
    const total = buffers.reduce((a, b) => a + b.byteLength, 0);
    const joined = new Uint8Array(total);
    let offset = 0;
    for (const b of buffers) {
      joined.set(b, offset);
      offset += b.byteLength;
    }
    return [specs, joined.buffer];
  }
}

/** Attaches the underlying error as `cause`. */
function withCause<E extends Error>(error: E, cause: unknown): E {
  return Object.assign(error, { cause });
}

async function readOrExplain(file: string, what: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const message = `fileSystem: ${what} ${file} does not exist`;
      throw withCause(new ModelFileError(file, what, 'an existing file', message), error);
    }
    if (code === 'EISDIR') {
      const message = `fileSystem: ${file} is a folder; load from the path of its model.json`;
      throw withCause(new ModelFileError(file, what, 'a file, not a folder', message), error);
    }
    const message = `fileSystem: cannot read ${what} ${file} (${(error as Error).message})`;
    throw withCause(new ModelFileError(file, what, 'a readable file', message), error);
  }
}

/**
 * A `file://` handler for `path` (a folder to save into, or a model.json to load).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { fileSystem } from 'tfjs-initializers/node';
 *
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * const result = await model.save(fileSystem('./my-model'));
 * console.log(result.modelArtifactsInfo.modelTopologyType);
 * ```
 * ```text output
 * JSON
 * ```
 */
export function fileSystem(filePath: string): NodeFileSystem {
  return new NodeFileSystem(filePath);
}

/**
 * Router for tf.io: claims `file://` URLs.
 *
 * @example
 * ```ts
 * import { fileSystemRouter } from 'tfjs-initializers/node';
 *
 * console.log(fileSystemRouter('file://./my-model') !== null, fileSystemRouter('indexeddb://my-model'));
 * ```
 * ```text output
 * true null
 * ```
 */
export function fileSystemRouter(url: string | string[]): NodeFileSystem | null {
  if (typeof url !== 'string' || !url.startsWith(FILE_SCHEME)) return null;
  return new NodeFileSystem(url.slice(FILE_SCHEME.length));
}

/**
 * Registers the `file://` router with tf.io unless a handler for `file://` exists
 * already (tfjs-node registers its own; two make model.save fail). Returns whether it registered.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { registerFileSystem } from 'tfjs-initializers/node';
 *
 * // importing tfjs-initializers/node registered file:// already (unless tfjs-node had), so this is a no-op
 * console.log(registerFileSystem());
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * await model.save('file://./my-model');
 * ```
 * ```text output
 * false
 * ```
 */
export function registerFileSystem(): boolean {
  const probe = `${FILE_SCHEME}${path.resolve('.tfjs-initializers-probe')}`;
  let registered = false;
  if (tf.io.getSaveHandlers(probe).length === 0) {
    tf.io.registerSaveRouter(fileSystemRouter as IORouter);
    registered = true;
  }
  if (tf.io.getLoadHandlers(probe).length === 0) {
    tf.io.registerLoadRouter(fileSystemRouter as IORouter);
    registered = true;
  }
  return registered;
}
