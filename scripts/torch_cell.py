#!/usr/bin/env python3
"""One benchmark cell in the machine's PyTorch, measured as the tool measures its own (`measure --reference torch`).

  torch_cell.py MODEL --batch B --res R --blocks N [--plan SPEC] --mode memory|time [--threads T]
                [--warmup W] [--iterations I] [--seed 42]

The model is torchvision's, flattened into the same block list as ours (torch_reference.flat_blocks: stem, every
residual / MBConv / CNBlock / encoder block, downsampling layers, head); --blocks is our count and a different one
is an error, never a silent mismatch. --plan is our segment plan as SegmentPlan.spec() writes it
(`0-5r,5-9r,9-18s`: each segment's block range, r recomputed, s stored): a recomputed segment runs under
torch.utils.checkpoint.checkpoint(use_reentrant=False), a stored one plainly, so the `torch` split is exactly
checkpoint_sequential's schedule (its last segment stored) and optimal / stored-segment plans are the same per-segment
calls. (torch 1.13's checkpoint_sequential itself is reentrant only, which drops the first segment's parameter
gradients when the input does not require grad.) No --plan: a plain step.

A step is ours: forward, mean cross-entropy, backward, AdamW (lr 1e-4, weight decay 0.01), gradients zeroed in place
(kept allocated), on a seeded random batch (1000 classes), fp32, CPU.

--mode memory: the tool's cpu.rss.peak: run with MALLOC_MMAP_THRESHOLD_=65536 in the environment (the caller sets
it, as for our memory forks); after the warm-up steps, per measured step /proc/self/clear_refs gets 5 (resets
VmHWM), VmRSS is read, the step runs, and its peak is VmHWM minus that VmRSS: growth above the steady state the
warm-up left (weights, gradients, AdamW state). With the allocation counter preloaded (LD_PRELOAD of
src/main/c/alloc_counter.c's library), its high-water mark of live malloc bytes above the pre-step value too
(cpu.malloc.peak, our cross-check). --mode time: per iteration, for a checkpointed cell a plain step first (the same
model with the plan switched off), then the cell's step, each timed by wall clock: the paired protocol of our timing
forks (step time and checkpointed/plain ratio per pair).

Prints one JSON object on stdout.
"""
import argparse
import ctypes
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import flat_blocks  # noqa: E402


def parse_plan(spec, n):
    segments = []
    for part in spec.split(","):
        part = part.strip()
        kind = part[-1]
        start, end = (int(v) for v in part[:-1].split("-"))
        if kind not in "rs":
            raise ValueError(f"bad plan segment '{part}'")
        segments.append((start, end, kind == "r"))
    if segments[0][0] != 0 or segments[-1][1] != n or any(a[1] != b[0] for a, b in zip(segments, segments[1:])):
        raise ValueError(f"plan {spec} does not cover blocks 0..{n} in order")
    return segments


def proc_status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(field + " not in /proc/self/status")


def reset_hwm():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def alloc_counter():
    """The preloaded allocation counter's functions, or None (not preloaded)."""
    if "alloc_counter" not in os.environ.get("LD_PRELOAD", ""):
        return None
    lib = ctypes.CDLL(None)
    try:
        for name in ("mfc_current", "mfc_peak"):
            getattr(lib, name).restype = ctypes.c_long
        return lib
    except AttributeError:
        return None


def blas_libraries():
    """The BLAS libraries this process has loaded (PyTorch's CPU matmuls run in them), from /proc/self/maps.

    Debian's python3-torch calls whatever libblas.so.3 the system's alternatives point at: netlib's reference BLAS
    (libblas3) unless an optimised one (OpenBLAS, BLIS) is installed, which makes matmul-heavy models (ViT) many times
    slower. The time figures are only comparable with this stated beside them.
    """
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[5] for line in f if len(line.split()) >= 6}
    except OSError:
        return None
    names = ("libblas", "libopenblas", "libblis", "libmkl_rt", "libcblas")
    found = sorted(p for p in paths if os.path.basename(p).startswith(names))
    return ", ".join(found) if found else None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--res", type=int, required=True)
    p.add_argument("--blocks", type=int, required=True)
    p.add_argument("--plan", default="")
    p.add_argument("--mode", choices=["memory", "time"], required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--iterations", type=int, default=5)
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()

    import torch
    import torchvision
    torch.set_num_threads(max(1, a.threads))
    out = {"model": a.model, "torch": torch.__version__, "torchvision": torchvision.__version__, "threads": a.threads,
           "mode": a.mode, "plan": a.plan, "blas": blas_libraries()}
    try:
        torch.manual_seed(a.seed)
        kwargs = {"image_size": a.res} if a.model.startswith("vit_") else {}
        model = getattr(torchvision.models, a.model)(weights=None, **kwargs).train()
        blocks = flat_blocks(a.model, model)
        if len(blocks) != a.blocks:
            raise ValueError(f"torchvision's {a.model} flattens into {len(blocks)} blocks, ours has {a.blocks}")
        plan = parse_plan(a.plan, len(blocks)) if a.plan else []
        segments = [(torch.nn.Sequential(*blocks[s:e]), r) for s, e, r in plan]
        seq = torch.nn.Sequential(*blocks)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
        g = torch.Generator().manual_seed(a.seed)
        x = torch.randn(a.batch, 3, a.res, a.res, generator=g)
        y = torch.randint(0, 1000, (a.batch,), generator=g)
        loss_fn = torch.nn.CrossEntropyLoss()
        from torch.utils.checkpoint import checkpoint

        def forward(checkpointed):
            if not checkpointed or not segments:
                return seq(x)
            h = x
            for s, recompute in segments:
                h = checkpoint(s, h, use_reentrant=False) if recompute else s(h)
            return h

        def step(checkpointed=True):
            loss = loss_fn(forward(checkpointed), y)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=False)

        for _ in range(a.warmup):
            if a.mode == "time" and segments:
                step(False)
            step()
        if a.mode == "memory":
            counter = alloc_counter()
            peaks, mallocs = [], []
            for _ in range(a.iterations):
                if counter is not None:
                    counter.mfc_reset_peak()
                    m_before = counter.mfc_current()
                reset_hwm()
                before = proc_status("VmRSS")
                step()
                peaks.append(proc_status("VmHWM") - before)
                if counter is not None:
                    mallocs.append(counter.mfc_peak() - m_before)
            out.update(status="ok", peak_bytes=int(statistics.median(peaks)), peaks=peaks,
                       malloc_peak_bytes=int(statistics.median(mallocs)) if mallocs else None)
        else:
            times, plain = [], []
            for _ in range(a.iterations):
                if segments:
                    t0 = time.perf_counter()
                    step(False)
                    plain.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                step()
                times.append((time.perf_counter() - t0) * 1000)
            out.update(status="ok", step_ms=times, plain_ms=plain, step_ms_median=statistics.median(times),
                       ratio_median=statistics.median([t / q for t, q in zip(times, plain)]) if plain else None)
    except Exception as e:  # one JSON line either way: the caller reports it beside our figures
        out.update(status="error", message=f"{type(e).__name__}: {e}".splitlines()[0])
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
