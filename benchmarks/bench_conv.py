"""Benchmark: chapter 6's conv-pool layers and a training epoch — naive loops, our fast NumPy
layers, and PyTorch CPU doing the same maths.

Run from the project root::

    python benchmarks/bench_conv.py            # full run (a few minutes on one core)
    python benchmarks/bench_conv.py --quick    # smoke run (seconds; numbers are rough)
    python benchmarks/bench_conv.py --threads 2 --json out.json

What is timed (real MNIST images when the loader finds them on its search path,
random images otherwise — the JSON says which):

1. **conv + pool layer, forward + backward** (conv without bias, 2×2 max-pool, + bias, sigmoid;
   backward from a fixed upstream gradient to dx, dw, db) for the book's two conv-pool layers:
   ``conv1`` = 20@5×5 on (N, 1, 28, 28), ``conv2`` = 40@20×5×5 on (N, 20, 12, 12), at N = 10 and
   N = 100, float32 and float64.
   - naive: :class:`ConvPoolLayer` with ``kernels="naive"`` (the loop twins in
     :mod:`nndl_lib.deep.conv`), timed on ONE example and multiplied by N (the loops are linear in
     N). In ``--quick`` mode on one example and F' = 2 filters, multiplied by N·F/F' (the loops are
     also linear in F).
   - fast: :class:`ConvPoolLayer` with the vectorised kernels.
   - torch: ``conv2d → max_pool2d → + b → sigmoid`` and ``backward`` on CPU tensors.
2. **one epoch of the book's two-conv-layer net** (``book_network("conv2")``: sigmoid, FC 100,
   softmax, log-likelihood, plain SGD, eta 0.1, mini-batch 10, 50,000 images): we time B
   consecutive mini-batches (500; 20 with ``--quick``) and multiply by 5,000 / B.
   - fast: :meth:`ConvNetwork.SGD`'s inner loop (forward, backprop, update) as it runs in training.
   - torch: the same architecture with the same initial weights, the same mini-batches, NLL of
     log-softmax, ``torch.optim.SGD`` (no momentum). The first mini-batch's costs are compared to
     show it is the same maths.
   - naive: the per-example naive time of both conv-pool layers (f32) × 50,000 — a lower bound
     (the naive FC layers and updates are not counted).

Targets: fast ≥ 100× naive (every row); conv + pool at N = 100 f32 ≤ 1.3× PyTorch (both layers);
an epoch ≤ 1.8× PyTorch. Timings are the best of ``--repeats`` runs after a warm-up, ours and
PyTorch's interleaved (a, b, a, b, ...) so that load changes hit both alike; the thread
count is set for NumPy's BLAS and PyTorch alike and printed. ``--cpu-time`` measures process
CPU time instead of wall time (steadier when other jobs share the machine; with one thread only).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    check_target,
    machine_info,
    print_table,
    set_threads,
    thread_report,
    time_interleaved,
    torch_or_none,
    write_json,
)

from nndl_lib.deep.convnet import book_network  # noqa: E402
from nndl_lib.deep.layers import ConvPoolLayer  # noqa: E402

LAYERS = {  # name -> (filter_shape, image_shape)
    "conv1": ((20, 1, 5, 5), (1, 28, 28)),
    "conv2": ((40, 20, 5, 5), (20, 12, 12)),
}
EPOCH_IMAGES = 50_000
MINI_BATCH = 10
ETA = 0.1
CLOCK = time.perf_counter  # time.process_time with --cpu-time


def _best(cases: dict, repeats: int) -> dict:
    """Best time of each callable in ``cases`` (name -> fn(_)), timed in interleaved rounds
    (a, b, a, b, ...) so that a drifting machine load hits all cases alike; on CLOCK.
    Callers warm each case up first."""
    timed = time_interleaved({k: (fn, None) for k, fn in cases.items()}, repeats, CLOCK)
    return {k: v["best"] for k, v in timed.items()}


def load_images(n: int) -> tuple[np.ndarray, np.ndarray, str]:
    """The first n MNIST training images (N, 784) float32 and labels, or random ones."""
    try:
        from nndl_lib.data import load_mnist

        (x, y), _, _ = load_mnist(download=False)
        return x[:n], y[:n], "mnist"
    except Exception as exc:  # noqa: BLE001 - any failure: fall back, and say so
        print(f"MNIST not available ({type(exc).__name__}); using random images instead")
        rng = np.random.default_rng(0)
        return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n), "random"


def layer_inputs(name: str, n: int, dtype, images: np.ndarray) -> np.ndarray:
    """conv1 gets real images; conv2 gets what conv1 would pass on (sigmoid outputs in (0, 1))."""
    if name == "conv1":
        return np.ascontiguousarray(images[:n].reshape(n, 1, 28, 28), dtype=dtype)
    rng = np.random.default_rng(1)
    return rng.random((n, 20, 12, 12)).astype(dtype)


def layer_fast(name, n, dtype, images):
    """fn(_) running our conv-pool layer's forward + backward once (warmed up)."""
    filt, img = LAYERS[name]
    layer = ConvPoolLayer(filt, img, rng=0, dtype=dtype)
    x = layer_inputs(name, n, dtype, images)
    dout = np.random.default_rng(2).standard_normal((n, *layer.output_shape)).astype(dtype)

    def run(_):
        layer.forward(x, train=True)
        layer.backward(dout)

    run(None)
    return run


def time_layer_naive(name, n, dtype, images, quick):
    """Seconds for N examples, extrapolated from one example (and F' filters in quick mode)."""
    (F, C, KH, KW), img = LAYERS[name]
    F_timed = 2 if quick else F
    layer = ConvPoolLayer((F_timed, C, KH, KW), img, rng=0, dtype=dtype, kernels="naive")
    x = layer_inputs(name, 1, dtype, images)
    dout = np.ones((1, *layer.output_shape), dtype=dtype)
    start = CLOCK()
    layer.forward(x, train=True)
    layer.backward(dout)
    return (CLOCK() - start) * n * F / F_timed


def layer_torch(torch, name, n, dtype, images):
    """fn(_) running the same layer in PyTorch, forward + backward (warmed up)."""
    F_ = torch.nn.functional
    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    filt, img = LAYERS[name]
    layer = ConvPoolLayer(filt, img, rng=0, dtype=dtype)
    w = torch.tensor(layer.w, dtype=tdtype, requires_grad=True)
    b = torch.tensor(layer.b, dtype=tdtype, requires_grad=True)
    x = torch.tensor(layer_inputs(name, n, dtype, images), requires_grad=True)
    dout = torch.tensor(
        np.random.default_rng(2).standard_normal((n, *layer.output_shape)).astype(dtype)
    )

    def run(_):
        for t in (w, b, x):
            t.grad = None
        a = torch.sigmoid(F_.max_pool2d(F_.conv2d(x, w), 2) + b[None, :, None, None])
        a.backward(dout)

    run(None)
    return run


def epoch_fast(x, y, batches):
    """fn(_) training our net on `batches` mini-batches (warmed up)."""
    net = book_network("conv2", rng=0)

    def run(_):
        for j in range(batches):
            sl = slice(j * MINI_BATCH, (j + 1) * MINI_BATCH)
            net.update_mini_batch(x[sl], y[sl], ETA)  # forward, backprop, update (lmbda = 0)

    run(None)  # warm-up (also trains a little; the timing is unaffected)
    return run


def time_epoch_sgd_method(x, y, batches):
    """The same, through the public ConvNetwork.SGD (one pass over `batches` mini-batches)."""
    net = book_network("conv2", rng=0)
    n = batches * MINI_BATCH
    val = (x[:MINI_BATCH], y[:MINI_BATCH])
    start = CLOCK()
    net.SGD((x[:n], y[:n]), 1, MINI_BATCH, ETA, val, progress=False)
    return (CLOCK() - start) * (EPOCH_IMAGES // MINI_BATCH) / batches


def _torch_net(torch):
    """The book's two-conv sigmoid net in PyTorch, starting from our net's initial weights."""
    F_ = torch.nn.functional
    ours = book_network("conv2", rng=0)
    params = [torch.tensor(p, requires_grad=True) for p in ours.params]
    w1, b1, w2, b2, w3, b3, w4, b4 = params

    def forward(xb):
        a = torch.sigmoid(F_.max_pool2d(F_.conv2d(xb, w1), 2) + b1[None, :, None, None])
        a = torch.sigmoid(F_.max_pool2d(F_.conv2d(a, w2), 2) + b2[None, :, None, None])
        a = torch.sigmoid(a.flatten(1) @ w3.T + b3)
        return F_.log_softmax(a @ w4.T + b4, dim=1)

    return ours, params, forward, torch.optim.SGD(params, lr=ETA)


def same_maths_check(torch, x, y, steps=3):
    """Train ours and torch's net for `steps` mini-batches from the same weights; return the
    costs of the next mini-batch and the largest parameter difference (float32 rounding only)."""
    F_ = torch.nn.functional
    ours, params, forward, opt = _torch_net(torch)
    n = steps * MINI_BATCH
    ours.SGD((x[:n], y[:n]), 1, MINI_BATCH, ETA, (x[:MINI_BATCH], y[:MINI_BATCH]), progress=False)
    xt, yt = torch.tensor(x.reshape(-1, 1, 28, 28)), torch.tensor(y)
    for j in range(steps):
        sl = slice(j * MINI_BATCH, (j + 1) * MINI_BATCH)
        opt.zero_grad()
        F_.nll_loss(forward(xt[sl]), yt[sl]).backward()
        opt.step()
    nxt = slice(n, n + MINI_BATCH)
    cost_ours = ours.total_cost(x[nxt], y[nxt])
    with torch.no_grad():
        cost_torch = float(F_.nll_loss(forward(xt[nxt]), yt[nxt]))
    diff = max(
        float(np.max(np.abs(p - t.detach().numpy())))
        for p, t in zip(ours.params, params, strict=True)
    )
    return {
        "steps": steps,
        "cost_ours": cost_ours,
        "cost_torch": cost_torch,
        "max_param_diff": diff,
    }


def epoch_torch(torch, x, y, batches):
    """fn(_) training the PyTorch twin on the same `batches` mini-batches (warmed up)."""
    F_ = torch.nn.functional
    _, _, forward, opt = _torch_net(torch)
    xt = torch.tensor(x.reshape(-1, 1, 28, 28))
    yt = torch.tensor(y)

    def run(_):
        for j in range(batches):
            sl = slice(j * MINI_BATCH, (j + 1) * MINI_BATCH)
            opt.zero_grad()
            F_.nll_loss(forward(xt[sl]), yt[sl]).backward()
            opt.step()

    run(None)
    return run


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer/smaller timings")
    parser.add_argument("--threads", type=int, default=1, help="BLAS / PyTorch threads (default 1)")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats (best is kept)")
    parser.add_argument(
        "--batches",
        type=int,
        default=None,
        help="mini-batches timed for the epoch (default 500; 20 with --quick)",
    )
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch column")
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="time with process CPU time instead of wall time: steadier on a "
        "busy machine; meaningful only with --threads 1",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        help="where to write the JSON (default benchmarks/results/bench_conv.json)",
    )
    args = parser.parse_args(argv)

    global CLOCK
    CLOCK = time.process_time if args.cpu_time else time.perf_counter
    if args.cpu_time and args.threads != 1:
        print("warning: --cpu-time adds up the CPU time of all threads; use --threads 1")
    repeats = args.repeats or (1 if args.quick else 3)
    batches = args.batches or (20 if args.quick else 500)
    torch = None if args.no_torch else torch_or_none()
    if args.no_torch:
        print("PyTorch column skipped (--no-torch).")
    threads = set_threads(args.threads, torch)
    print(
        f"threads: {threads} (NumPy BLAS and PyTorch); clock: "
        f"{'process CPU time' if args.cpu_time else 'wall time'}; quick={args.quick}; "
        f"repeats={repeats}; epoch timed on {batches} mini-batches of {MINI_BATCH}"
    )

    x, y, source = load_images(max(batches * MINI_BATCH, 100))
    print(f"data: {source} ({len(x)} images)")

    rows = []
    sizes = [10, 100]
    dtypes = [np.float32, np.float64]
    naive_per_example = {}
    for name in LAYERS:
        for dtype in dtypes:
            dname = "f32" if dtype == np.float32 else "f64"
            naive_1 = time_layer_naive(name, 1, dtype, x, args.quick)
            naive_per_example[(name, dname)] = naive_1
            for n in sizes:
                cases = {"fast": layer_fast(name, n, dtype, x)}
                if torch:
                    cases["torch"] = layer_torch(torch, name, n, dtype, x)
                best = _best(cases, repeats)
                fast, tt = best["fast"], best.get("torch")
                rows.append(
                    {
                        "case": f"{name} N={n} {dname}",
                        "kind": "layer",
                        "layer": name,
                        "N": n,
                        "dtype": dname,
                        "naive_s": naive_1 * n,
                        "fast_s": fast,
                        "torch_s": tt,
                        "naive_over_fast": naive_1 * n / fast,
                        "fast_over_torch": fast / tt if tt else None,
                    }
                )
                print(
                    f"  {rows[-1]['case']}: fast {fast:.4g} s"
                    + (f", torch {tt:.4g} s" if tt else ""),
                    flush=True,
                )

    cases = {"fast": epoch_fast(x, y, batches)}
    if torch:
        cases["torch"] = epoch_torch(torch, x, y, batches)
    best = _best(cases, repeats)
    scale = (EPOCH_IMAGES // MINI_BATCH) / batches  # mini-batches per epoch / timed
    epoch_fast_s = best["fast"] * scale
    epoch_torch_s = best["torch"] * scale if torch else None
    epoch_sgd = time_epoch_sgd_method(x, y, batches)
    check = same_maths_check(torch, x, y) if torch else None
    epoch_naive = EPOCH_IMAGES * (
        naive_per_example[("conv1", "f32")] + naive_per_example[("conv2", "f32")]
    )
    rows.append(
        {
            "case": "ch6 epoch",
            "kind": "epoch",
            "layer": "conv2 net",
            "N": MINI_BATCH,
            "dtype": "f32",
            "naive_s": epoch_naive,
            "fast_s": epoch_fast_s,
            "torch_s": epoch_torch_s,
            "naive_over_fast": epoch_naive / epoch_fast_s,
            "fast_over_torch": epoch_fast_s / epoch_torch_s if epoch_torch_s else None,
            "fast_sgd_method_s": epoch_sgd,
        }
    )

    layer100 = [
        r["fast_over_torch"]
        for r in rows
        if r["kind"] == "layer" and r["N"] == 100 and r["dtype"] == "f32"
    ]
    targets = [
        check_target("fast >= 100x naive", min(r["naive_over_fast"] for r in rows), ">=", 100),
        check_target(
            "conv+pool N=100 f32 <= 1.3x torch", max(layer100) if torch else None, "<=", 1.3
        ),
        check_target("ch6 epoch <= 1.8x torch", rows[-1]["fast_over_torch"], "<=", 1.8),
    ]

    print()
    print_table(
        ["case", "naive s", "fast s", "torch s", "naive/fast", "fast/torch"],
        [
            [
                r["case"],
                r["naive_s"],
                r["fast_s"],
                r["torch_s"],
                r["naive_over_fast"],
                r["fast_over_torch"],
            ]
            for r in rows
        ],
    )
    print(
        f"\nepoch = {EPOCH_IMAGES // MINI_BATCH} mini-batches of {MINI_BATCH}, extrapolated from "
        f"{batches}; via ConvNetwork.SGD: {epoch_sgd:.4g} s. Naive epoch: per-example naive "
        "conv-pool time × 50,000 (a lower bound). Naive layers: one example × N"
        + (" (and 2 filters × F/2 in quick mode)." if args.quick else ".")
    )
    if check is not None:
        print(
            f"same maths: after {check['steps']} SGD steps from the same weights, next "
            f"mini-batch cost ours {check['cost_ours']:.6f} vs torch {check['cost_torch']:.6f}; "
            f"largest parameter difference {check['max_param_diff']:.2e}"
        )
    print()
    print_table(
        ["target", "value", "status"], [[t["target"], t["value"], t["status"]] for t in targets]
    )

    data = {
        "benchmark": "bench_conv",
        "quick": args.quick,
        "threads": threads,
        "clock": "process_time" if args.cpu_time else "perf_counter",
        "repeats": repeats,
        "epoch_batches_timed": batches,
        "data": source,
        "rows": rows,
        "targets": targets,
        "same_maths_check": check,
        "thread_report": thread_report(torch),
        "machine": machine_info(torch),
        "note": "timings on a shared machine are noisy; the epoch and naive columns are "
        "extrapolated as described in the script's docstring",
    }
    path = write_json("bench_conv", data, args.json)
    print(f"\nwrote {path}")
    return data


if __name__ == "__main__":
    main()
