/**
 * The table of layer rules: every layer class tfjs registers has a rule (or an unsupported entry with its reason),
 * every rule with weights has a moment rule (or its reason), no tool outside the table names a layer class, and a
 * user's rule takes part in every tool.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {
  InitializerConfigError,
  initializeModel,
  predictSignal,
  registerLayerRule,
  signalMoments,
  unregisterLayerRule,
} from '../../src';
import { builtinRules, ruleForClass } from '../../src/model/layers';
import { NoRuleScale } from '../helpers';

/** Every Layer subclass registered with tf.serialization (tfjs 4.22: 69). */
function registeredLayerClasses(): string[] {
  const map = tf.serialization.SerializationMap.getMap().classNameMap;
  return Object.keys(map).filter((name) => {
    for (let p = map[name][0] as unknown; p; p = Object.getPrototypeOf(p)) if (p === tf.layers.Layer) return true;
    return false;
  });
}

describe('the table of layer rules', () => {
  const builtins = new Set(['InputLayer', 'Dense', 'Conv2D', 'BatchNormalization', 'LSTM', 'Concatenate']);

  it('covers every layer class registered with tf.serialization: a rule, or unsupported with a reason', () => {
    const classes = registeredLayerClasses().filter((c) => !c.startsWith('Test'));
    expect(classes.length).toBeGreaterThanOrEqual(69);
    for (const b of builtins) expect(classes).toContain(b);
    const missing = classes.filter((c) => !builtinRules().has(c));
    expect(missing).toEqual([]);
    for (const c of classes) {
      const rule = builtinRules().get(c);
      if (rule?.unsupported !== undefined) expect(rule.unsupported.length).toBeGreaterThan(20);
    }
  });

  it('every rule that names weights has a moment rule, or says why not', () => {
    for (const [cls, rule] of builtinRules()) {
      if (!rule.weights) continue;
      expect({ cls, ok: rule.moments !== undefined || (rule.unsupported ?? '').length > 0 }).toEqual({ cls, ok: true });
    }
  });

  it('no tool outside the table names a layer class', () => {
    const classes = registeredLayerClasses();
    const root = path.join(__dirname, '../../src/model');
    // gradient_kernels.ts names tfjs kernels (Conv2D, Reshape), not layers
    const files = fs.readdirSync(root).filter((f) => f.endsWith('.ts') && f !== 'gradient_kernels.ts');
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = fs.readFileSync(path.join(root, file), 'utf8');
      const literals = [...text.matchAll(/'([A-Z][A-Za-z0-9]+)'/g)].map((m) => m[1]);
      const named = literals.filter((l) => classes.includes(l));
      expect({ file, named }).toEqual({ file, named: [] });
    }
  });
});

/** A user's layer: y = s x with a fixed factor from its config. */
class ScaleBy extends tf.layers.Layer {
  static className = 'TestScaleBy';
  readonly factor: number;
  constructor(config: { factor: number; name?: string }) {
    super(config);
    this.factor = config.factor;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, this.factor));
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), factor: this.factor };
  }
}
tf.serialization.registerClass(ScaleBy);

describe('registerLayerRule', () => {
  afterEach(() => {
    unregisterLayerRule('TestScaleBy');
    unregisterLayerRule('TestNoRuleScale');
    unregisterLayerRule('Flatten');
  });

  function model(layer: tf.layers.Layer): tf.LayersModel {
    const input = tf.input({ shape: [16] });
    const h = tf.layers.dense({ units: 16, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 4 }).apply(layer.apply(h) as tf.SymbolicTensor) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: out });
  }

  it("a user's layer class takes part in predictSignal and the gain lookup once it has a rule", () => {
    const m = model(new ScaleBy({ factor: 3 }));
    expect(predictSignal(m).find((r) => r.className === 'TestScaleBy')?.note).toMatch(/no rule for TestScaleBy/);
    registerLayerRule('TestScaleBy', {
      passes: 'through',
      moments: ({ layer, inputs }) => {
        const s = (layer as ScaleBy).factor;
        return { moments: signalMoments.scale(inputs[0], s, s * s), exact: true };
      },
    });
    const rows = predictSignal(m);
    const relu = rows[1].secondMoment as number;
    expect(rows[2].secondMoment).toBeCloseTo(9 * relu, 10);
    expect(rows[3].secondMoment).not.toBeNull();
    // the second Dense's input went through relu, then the user's layer, which passes it
    const report = initializeModel(m, { seed: 1 });
    expect(report.filter((r) => r.role === 'kernel')[1].activation).toMatch(/^relu from/);
    m.dispose();
  });

  it("a user's rule takes precedence over the built-in one, and unregistering restores it", () => {
    const m = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 3] }), tf.layers.dense({ units: 2 })] });
    registerLayerRule('Flatten', { moments: () => 'my rule says no' });
    expect(predictSignal(m)[1].note).toBe('my rule says no');
    unregisterLayerRule('Flatten');
    expect(predictSignal(m)[1].secondMoment).toBeCloseTo(1, 12);
    expect(ruleForClass('Flatten')?.moments).toBeDefined();
    m.dispose();
  });

  it('refuses a bad rule with a clear error, and keeps the table as it was', () => {
    const bad: Array<[unknown, unknown, RegExp]> = [
      ['', {}, /registerLayerRule: className must be a layer class name/],
      ['TestScaleBy', null, /registerLayerRule: rule must be an object/],
      [
        'TestScaleBy',
        { moment: () => 'x' },
        /registerLayerRule: rule\.moment must be absent: a LayerRule has weights, passes/,
      ],
      ['TestScaleBy', { moments: 'fast' }, /rule\.moments must be a function; got "fast"/],
      [
        'TestScaleBy',
        { passes: 'sideways' },
        /rule\.passes must be one of kernel, activation, through, opaque; got "sideways"/,
      ],
      ['TestScaleBy', { probe: 'kernel' }, /rule\.probe must be 'layer'/],
      ['TestScaleBy', { unsupported: '' }, /rule\.unsupported must be a sentence saying why/],
    ];
    for (const [cls, rule, message] of bad) {
      expect(() => registerLayerRule(cls as string, rule as never)).toThrow(InitializerConfigError);
      expect(() => registerLayerRule(cls as string, rule as never)).toThrow(message);
    }
    expect(ruleForClass('TestScaleBy')).toBeUndefined();
  });

  it('a rule that throws or returns bad moments gives a ModelError naming the layer', () => {
    const layer = new NoRuleScale({});
    const m = model(layer);
    registerLayerRule('TestNoRuleScale', {
      weights: () => [{ role: 'gamma' }],
      moments: () => {
        throw new TypeError('oops');
      },
    });
    expect(() => predictSignal(m)).toThrow(
      new RegExp(`predictSignal: the moment rule for ${layer.name} \\(TestNoRuleScale\\) failed: oops`),
    );
    registerLayerRule('TestNoRuleScale', {
      weights: () => [{ role: 'gamma' }],
      moments: () => ({ moments: { mean: new Float64Array(2), m2: Float64Array.of(1, NaN) } }),
    });
    expect(() => predictSignal(m)).toThrow(/returned no valid moments/);
    // a weights function that disagrees with the layer's weights: the layer is left alone and reported
    registerLayerRule('TestNoRuleScale', { weights: () => [], moments: ({ inputs }) => ({ moments: inputs[0] }) });
    expect(initializeModel(m).find((r) => r.className === 'TestNoRuleScale')?.skipped).toMatch(
      /gives 0 roles for 1 weights/,
    );
    m.dispose();
  });
});
