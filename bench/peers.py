"""The bench's peers: the same cases through numpy (and PyTorch where it imports), timed here.

`npm run bench -- --peers` starts one process per peer and sends it one JSON request per line,
{"case": kind, "shape": [...]}; the process times one run of that case and answers {"ms": t}, or
{"ms": null} for a case it has no counterpart for. The timing is taken here, so the pipe is not counted.
The first line it prints names the peer and its version, or says why it is unavailable.

What each case runs (float32, fresh arrays, the math of torch.nn.init):
- glorotUniform: U(-b, b), b = sqrt(6 / (fanIn + fanOut)) (torch: xavier_uniform_)
- heNormal: N(0, 2 / fanIn), untruncated (torch: kaiming_normal_)
- orthogonal: QR of a standard normal matrix, columns multiplied by sign(diag(R)) (torch: orthogonal_)
- normals: standard normals into an existing array (torch: normal_ in place; numpy: Generator.standard_normal(out=))
"""
import json
import sys
import time


def numpy_peer():
    import numpy as np

    rng = np.random.default_rng(1)
    buffers = {}

    def fans(shape):
        return shape[0], shape[1]

    def glorot_uniform(shape):
        fan_in, fan_out = fans(shape)
        b = np.float32((6.0 / (fan_in + fan_out)) ** 0.5)
        return rng.uniform(-b, b, size=shape).astype(np.float32, copy=False)

    def he_normal(shape):
        fan_in, _ = fans(shape)
        x = rng.standard_normal(size=shape, dtype=np.float32)
        x *= np.float32((2.0 / fan_in) ** 0.5)
        return x

    def orthogonal(shape):
        a = rng.standard_normal(size=shape, dtype=np.float32)
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        return q

    def normals(shape):
        key = tuple(shape)
        if key not in buffers:
            buffers[key] = np.empty(shape, dtype=np.float32)
        rng.standard_normal(out=buffers[key], dtype=np.float32)
        return buffers[key]

    cases = {'glorotUniform': glorot_uniform, 'heNormal': he_normal, 'orthogonal': orthogonal, 'normals': normals}
    return f'numpy {np.__version__}', cases


def torch_peer():
    import torch

    torch.manual_seed(1)
    buffers = {}

    def normals(shape):
        key = tuple(shape)
        if key not in buffers:
            buffers[key] = torch.empty(shape)
        return buffers[key].normal_()

    cases = {
        'glorotUniform': lambda shape: torch.nn.init.xavier_uniform_(torch.empty(shape)),
        'heNormal': lambda shape: torch.nn.init.kaiming_normal_(torch.empty(shape[::-1])),
        'orthogonal': lambda shape: torch.nn.init.orthogonal_(torch.empty(shape)),
        'normals': normals,
    }
    return f'torch {torch.__version__} ({torch.get_num_threads()} threads)', cases


def main():
    which = sys.argv[1]
    try:
        name, cases = {'numpy': numpy_peer, 'torch': torch_peer}[which]()
    except ImportError as error:
        print(json.dumps({'unavailable': f'{which}: {error}'}), flush=True)
        return
    print(json.dumps({'peer': name}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        run = cases.get(request['case'])
        if run is None:
            print(json.dumps({'ms': None}), flush=True)
            continue
        t0 = time.perf_counter()
        run(request['shape'])
        ms = (time.perf_counter() - t0) * 1000
        print(json.dumps({'ms': ms}), flush=True)


if __name__ == '__main__':
    main()
