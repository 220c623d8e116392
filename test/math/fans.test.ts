import { computeFans } from '../../src/math/fans';
import { InitializerConfigError } from '../../src/errors';

describe('computeFans', () => {
  it('Dense [in, out] and recurrent [units, 4 units]', () => {
    expect(computeFans([784, 256])).toEqual({ fanIn: 784, fanOut: 256 });
    expect(computeFans([784, 256], { layout: 'dense' })).toEqual({ fanIn: 784, fanOut: 256 });
    expect(computeFans([32, 128])).toEqual({ fanIn: 32, fanOut: 128 });
  });

  it('Conv1D/2D/3D channels-last [...kernel, in, out]', () => {
    expect(computeFans([5, 16, 32])).toEqual({ fanIn: 80, fanOut: 160 });
    expect(computeFans([3, 3, 64, 128], { layout: 'conv' })).toEqual({ fanIn: 576, fanOut: 1152 });
    expect(computeFans([2, 3, 3, 8, 4])).toEqual({ fanIn: 144, fanOut: 72 });
  });

  it('depthwise [kh, kw, in, multiplier]: each output sees one channel', () => {
    expect(computeFans([3, 3, 32, 2], { layout: 'depthwise' })).toEqual({ fanIn: 9, fanOut: 18 });
  });

  it('separable: depthwise kernel as depthwise, pointwise [1, 1, in*mult, out] as conv', () => {
    expect(computeFans([3, 3, 16, 1], { layout: 'depthwise' })).toEqual({ fanIn: 9, fanOut: 9 });
    expect(computeFans([1, 1, 16, 64])).toEqual({ fanIn: 16, fanOut: 64 });
  });

  it('conv2dTranspose [kh, kw, out, in]: fanIn counts the input channels', () => {
    expect(computeFans([3, 3, 8, 32], { layout: 'convTranspose' })).toEqual({ fanIn: 288, fanOut: 72 });
  });

  it('rank 0, rank 1 and rank > 5 follow the documented rules', () => {
    expect(computeFans([])).toEqual({ fanIn: 1, fanOut: 1 });
    expect(computeFans([10])).toEqual({ fanIn: 10, fanOut: 10 });
    expect(computeFans([2, 2, 2, 2, 3, 5])).toEqual({ fanIn: 48, fanOut: 80 });
  });

  it('explicit axes, as JAX in_axis/out_axis', () => {
    // [out, in, kh, kw] (PyTorch layout): in axis 1, out axis 0.
    expect(computeFans([16, 8, 3, 3], { inAxis: 1, outAxis: 0 })).toEqual({ fanIn: 72, fanOut: 144 });
    expect(computeFans([4, 6], { inAxis: -1, outAxis: -2 })).toEqual({ fanIn: 6, fanOut: 4 });
  });

  it('groups of axes and batch axes, as JAX in_axis/out_axis/batch_axis sequences', () => {
    // an attention kernel [model, heads, headDim]: fanIn 32 (Keras EinsumDense-style), not the auto rule's 256
    expect(computeFans([32, 8, 16], { inAxis: 0, outAxis: [1, 2] })).toEqual({ fanIn: 32, fanOut: 128 });
    expect(computeFans([32, 8, 16])).toEqual({ fanIn: 256, fanOut: 512 });
    // the output projection [heads, headDim, model]
    expect(computeFans([8, 16, 32], { inAxis: [0, 1], outAxis: -1 })).toEqual({ fanIn: 128, fanOut: 32 });
    // 5 stacked [3, 3, 4, 6] conv kernels: the batch axis counts in neither fan
    expect(computeFans([5, 3, 3, 4, 6], { batchAxis: 0 })).toEqual({ fanIn: 36, fanOut: 54 });
    expect(computeFans([5, 3, 3, 4, 6], { inAxis: -2, outAxis: -1, batchAxis: [0] })).toEqual({
      fanIn: 36,
      fanOut: 54,
    });
  });

  it('rejects overlapping, repeated or out-of-range axes', () => {
    expect(() => computeFans([4, 5, 6], { inAxis: [0, 1], outAxis: [1, 2] })).toThrow(
      /outAxis must be axes different from inAxis and batchAxis/,
    );
    expect(() => computeFans([4, 5, 6], { inAxis: [0, 0], outAxis: 1 })).toThrow(
      /inAxis must be an integer in \[-3, 2\], or a non-empty list of distinct ones/,
    );
    expect(() => computeFans([4, 5, 6], { inAxis: [], outAxis: 1 })).toThrow(/inAxis must be/);
    expect(() => computeFans([4, 5, 6], { batchAxis: -1 })).toThrow(/outAxis must be axes different/);
    expect(() => computeFans([4], { batchAxis: 0 })).toThrow(/shape must be of rank 2 or more with batchAxis alone/);
    expect(() => computeFans([4, 5, 6], { layout: 'conv', batchAxis: 0 })).toThrow(
      /layout must be 'auto' when inAxis, outAxis or batchAxis is given/,
    );
  });

  it('rejects bad shapes and options with the field named', () => {
    expect(() => computeFans([3, 0])).toThrow(/shape\[1\] must be a positive integer; got 0/);
    expect(() => computeFans([3, -2])).toThrow(InitializerConfigError);
    expect(() => computeFans([2.5, 3])).toThrow(/shape\[0\]/);
    expect(() => computeFans([3, 3], { layout: 'depthwise' })).toThrow(/rank 3 to 5/);
    expect(() => computeFans([3, 3, 3], { layout: 'dense' })).toThrow(/rank 2/);
    expect(() => computeFans([3, 3], { layout: 'bogus' as never })).toThrow(/layout must be one of/);
    expect(() => computeFans([3, 3], { inAxis: 0 })).toThrow(/outAxis/);
    expect(() => computeFans([3, 3], { inAxis: 0, outAxis: 0 })).toThrow(/axes different from inAxis and batchAxis/);
    expect(() => computeFans([3, 3], { inAxis: 2, outAxis: 0 })).toThrow(/inAxis must be an integer in \[-2, 1\]/);
    expect(() => computeFans([65536, 65536])).toThrow(/at most 2147483647 elements/);
  });
});
