#!/usr/bin/env python3
"""PyTorch's own figures for the seed-table cells, on this machine's GPU, for comparison with ours.

  torch_reference.py measure --out torch-reference.csv [--models resnet50,...] [--batch 32] [--res 224]
                             [--segments 0,4,8] [--warmup 2] [--iterations 5]
  torch_reference.py compare --run RUN_DIR --reference torch-reference.csv [--seed seed-published.csv] --out compare.md

measure: torchvision models, one training step = forward, cross-entropy, backward, AdamW (lr 1e-4,
weight decay 0.01), gradients zeroed in place (kept allocated, as in our step). Checkpointing with
torch.utils.checkpoint.checkpoint_sequential(seq, segments, x, use_reentrant=False) over the model
flattened into a sequence of blocks (stem, each residual/MBConv/CNBlock/encoder block, head). After
warm-up steps, for each measured step: torch.cuda.empty_cache(), reset_peak_memory_stats(); the step's
peak is max_memory_allocated() minus memory_allocated() before it (the same "above the steady state"
figure as our cuda.allocated.peak), and max_memory_allocated() itself is the absolute peak (comparable
with the seed's published GB, which include weights, gradients and optimizer state). Median over steps.
Step time: CUDA-synchronised wall time of a step, median over the measured steps.
"""
import argparse
import csv
import statistics
import sys
import time


def flat_blocks(name, model):
    import torch.nn as nn
    if name.startswith("resnet"):
        stem = nn.Sequential(model.conv1, model.bn1, model.relu, model.maxpool)
        blocks = [b for layer in (model.layer1, model.layer2, model.layer3, model.layer4) for b in layer]
        head = nn.Sequential(model.avgpool, nn.Flatten(1), model.fc)
        return [stem] + blocks + [head]
    if name.startswith("vit"):
        class Embed(nn.Module):
            def __init__(self, vit):
                super().__init__()
                self.vit = vit

            def forward(self, x):
                x = self.vit._process_input(x)
                cls = self.vit.class_token.expand(x.shape[0], -1, -1)
                x = torch_cat([cls, x])
                return self.vit.encoder.dropout(x + self.vit.encoder.pos_embedding)

        class Head(nn.Module):
            def __init__(self, vit):
                super().__init__()
                self.vit = vit

            def forward(self, x):
                return self.vit.heads(self.vit.encoder.ln(x)[:, 0])

        return [Embed(model)] + list(model.encoder.layers) + [Head(model)]
    if name.startswith("convnext") or name.startswith("efficientnet") or name.startswith("swin"):
        blocks = []
        for f in model.features:
            # a stage is a Sequential of blocks; a stem or a downsampling layer is a Sequential of layers (a
            # convolution first, or ConvNeXt's LayerNorm2d, a LayerNorm, then its convolution): one block
            if isinstance(f, nn.Sequential) and len(f) > 0 and not isinstance(f[0], (nn.Conv2d, nn.LayerNorm)):
                blocks.extend(list(f))  # a stage: its blocks one by one
            else:
                blocks.append(f)  # stem / downsampling / final conv
        if name.startswith("efficientnet"):
            head = nn.Sequential(model.avgpool, nn.Flatten(1), model.classifier)
        elif name.startswith("swin"):  # features end channels-last: norm, to channels-first, pool, flatten, fc
            head = nn.Sequential(model.norm, model.permute, model.avgpool, model.flatten, model.head)
        else:
            head = nn.Sequential(model.avgpool, model.classifier)
        return blocks + [head]
    raise ValueError("no block split for " + name)


def torch_cat(xs):
    import torch
    return torch.cat(xs, dim=1)


def measure(args):
    import torch
    import torchvision
    from torch.utils.checkpoint import checkpoint_sequential

    if not torch.cuda.is_available():
        print("torch_reference: no CUDA device visible to torch", file=sys.stderr)
        return 3
    dev = torch.device("cuda")
    rows = []
    for name in args.models.split(","):
        for seg in [int(s) for s in args.segments.split(",")]:
            row = {"model": name, "batch": args.batch, "res": args.res, "segments": seg,
                   "torch": torch.__version__, "cuda": torch.version.cuda, "gpu": torch.cuda.get_device_name(0)}
            try:
                torch.manual_seed(42)
                model = getattr(torchvision.models, name)(weights=None, image_size=args.res) if name.startswith("vit") \
                    else getattr(torchvision.models, name)(weights=None)
                model = model.to(dev).train()
                seq = torch.nn.Sequential(*flat_blocks(name, model))
                opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
                x = torch.randn(args.batch, 3, args.res, args.res, device=dev)
                y = torch.randint(0, 1000, (args.batch,), device=dev)
                loss_fn = torch.nn.CrossEntropyLoss()

                def step():
                    out = checkpoint_sequential(seq, seg, x, use_reentrant=False) if seg > 0 else seq(x)
                    loss = loss_fn(out, y)
                    loss.backward()
                    opt.step()
                    opt.zero_grad(set_to_none=False)
                    return loss

                for _ in range(args.warmup):
                    step()
                torch.cuda.synchronize()
                peaks, absolute, reserved, steady, times = [], [], [], [], []
                for _ in range(args.iterations):
                    torch.cuda.empty_cache()
                    torch.cuda.reset_peak_memory_stats()
                    before = torch.cuda.memory_allocated()
                    res_before = torch.cuda.memory_reserved()
                    t0 = time.perf_counter()
                    step()
                    torch.cuda.synchronize()
                    times.append((time.perf_counter() - t0) * 1000)
                    peaks.append(torch.cuda.max_memory_allocated() - before)
                    absolute.append(torch.cuda.max_memory_allocated())
                    reserved.append(torch.cuda.max_memory_reserved() - res_before)
                    steady.append(before)
                row.update(status="ok", peak_allocated_above_steady=int(statistics.median(peaks)),
                           peak_reserved_above_steady=int(statistics.median(reserved)),
                           steady_allocated=int(statistics.median(steady)),
                           max_memory_allocated=int(statistics.median(absolute)),
                           step_ms_median=round(statistics.median(times), 2),
                           params=sum(p.numel() for p in model.parameters()))
                del model, seq, opt, x, y
            except torch.cuda.OutOfMemoryError as e:
                row.update(status="oom", message=str(e).splitlines()[0])
            except Exception as e:  # a failure is a row, the other cells still run
                row.update(status="error", message=f"{type(e).__name__}: {e}".splitlines()[0])
            torch.cuda.empty_cache()
            rows.append(row)
            print(", ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    fields = ["model", "batch", "res", "segments", "status", "peak_allocated_above_steady", "peak_reserved_above_steady",
              "steady_allocated", "max_memory_allocated", "step_ms_median", "params", "torch", "cuda", "gpu", "message"]
    with open(args.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return 0


def gib(v):
    return "" if v in (None, "") else f"{int(float(v)) / 2**30:.2f}"


def compare(args):
    ours = {}
    with open(f"{args.run}/raw.csv") as f:
        for r in csv.DictReader(f):
            ours[(r["model"], int(r["segments"]))] = r
    steady = {}
    try:
        with open(f"{args.run}/probe-crosscheck.csv") as f:
            for r in csv.DictReader(f):
                m, b, res, s = r["cell"].rsplit("_", 3)
                steady[(m, int(s[1:]))] = r["allocated_steady_min"]
    except FileNotFoundError:
        pass
    ref = {}
    try:
        with open(args.reference) as f:
            for r in csv.DictReader(f):
                ref[(r["model"], int(r["segments"]))] = r
    except FileNotFoundError:
        pass
    seed = {}
    if args.seed:
        with open(args.seed) as f:
            for r in csv.DictReader(f):
                seed[(r["table"], r["model"], int(r["segments"]), r["metric"])] = r["value"]
    keys = sorted(set(ours) | set(ref))
    lines = ["| model | seg | ours: peak above steady (GiB) | ours: steady (GiB) | ours: steady+peak (GiB) | ours: step ms |"
             " torch: peak above steady (GiB) | torch: max_memory_allocated (GiB) | torch: step ms | seed: peak (GB) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for k in keys:
        o, t = ours.get(k, {}), ref.get(k, {})
        st = steady.get(k, "")
        total = "" if not st or not o.get("peak_bytes") else gib(int(float(st)) + int(float(o["peak_bytes"])))
        status = o.get("status", "-")
        lines.append(f"| {k[0]} | {k[1]} | {gib(o.get('peak_bytes')) or status} ({o.get('memory_method', '')}) | {gib(st)} | {total}"
                     f" | {o.get('step_ms_median', '')} | {gib(t.get('peak_allocated_above_steady')) or t.get('status', '-')}"
                     f" | {gib(t.get('max_memory_allocated'))} | {t.get('step_ms_median', '')}"
                     f" | {seed.get(('memory', k[0], k[1], 'peak'), '')} |")
    text = "\n".join(lines) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    print(text)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--out", required=True)
    m.add_argument("--models", default="resnet50,resnet101,vit_b_16,convnext_base,efficientnet_b2")
    m.add_argument("--batch", type=int, default=32)
    m.add_argument("--res", type=int, default=224)
    m.add_argument("--segments", default="0,4,8")
    m.add_argument("--warmup", type=int, default=2)
    m.add_argument("--iterations", type=int, default=5)
    c = sub.add_parser("compare")
    c.add_argument("--run", required=True)
    c.add_argument("--reference", required=True)
    c.add_argument("--seed")
    c.add_argument("--out", required=True)
    b = sub.add_parser("blocks", help="print 'MODEL BLOCKS' per model: how many blocks flat_blocks splits it into")
    b.add_argument("--models", required=True)
    b.add_argument("--res", type=int, default=224)
    a = p.parse_args()
    if a.cmd == "blocks":
        return count_blocks(a)
    return measure(a) if a.cmd == "measure" else compare(a)


def count_blocks(args):
    import torchvision
    for name in args.models.split(","):
        model = getattr(torchvision.models, name)(weights=None, image_size=args.res) if name.startswith("vit") \
            else getattr(torchvision.models, name)(weights=None)
        print(name, len(flat_blocks(name, model)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
