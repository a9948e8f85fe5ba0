#!/usr/bin/env python3
"""torchvision's side of the numerical parity test (TorchParityTest): one model, its weights and the figures ours must equal.

  torch_parity.py MODEL OUT_DIR [--res 64] [--batch 2] [--seed 42] [--threads 1]

Writes into OUT_DIR, as safetensors (scripts/export_torchvision_weights.py's writer):
  weights.safetensors   the model's state dict (torchvision's random init after torch.manual_seed(SEED), perturbed so that
                        no tensor keeps a special initial value: see perturb()), as torchvision names it, written
                        before any training forward
  expected.safetensors  input (BATCH, 3, RES, RES), labels (as float32), eval_logits (eval mode, no grad),
                        train_logits, loss (1-element: mean cross-entropy of the training-mode forward) and
                        grad.<name> for every parameter after loss.backward(), and with --noise, noise.<name> and
                        noise.loss: torchvision's own float32 error against the same step in float64 (float32_noise())
The training forward runs with dropout and stochastic depth off (p = 0): their masks come from torch's generator and
cannot be drawn identically in another framework; the Java side runs with -Dmedfusion.training-noise=off. Everything
else (BatchNorm batch statistics, LayerNorm, attention, GELU, SiLU, hard-swish) is torchvision's own.
Prints one line: model, parameter count, torch and torchvision versions.
"""
import argparse
import copy
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_torchvision_weights import save_safetensors  # noqa: E402


def perturb(model, seed):
    """Moves every tensor off torchvision's special initial values, so that no comparison is vacuous: zero-initialised
    heads (ViT's, Swin's) would give all-zero logits, and initial BatchNorm statistics (mean 0, var 1) would let
    eval mode pass without reading them. Each parameter gets noise of 10% of its own spread (or 0.02 when constant),
    running means N(0, 0.1) and running variances U(0.5, 1.5)."""
    import torch
    g = torch.Generator().manual_seed(seed + 2)
    with torch.no_grad():
        for p in model.parameters():
            spread = float(p.std()) if p.numel() > 1 else 0.0
            p.add_(torch.randn(p.shape, generator=g) * (0.1 * spread if spread > 0 else 0.02))
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(torch.randn(b.shape, generator=g) * 0.1)
            elif name.endswith("running_var"):
                b.copy_(torch.rand(b.shape, generator=g) + 0.5)


def float32_noise(model, state, x, y, loss32, floor):
    """torchvision's own float32 error on this step: the same training step in float64 (same weights, input, labels),
    and per parameter max|g32 - g64| / max(max|g64|, floor * largest |g64|), as noise.<name> (and noise.loss). Where
    a model's float32 gradients are ill-conditioned (RegNet's BatchNorms over a 2x2 map and batch 2 move a gradient
    by 15% between float32 and float64 in torch itself), the test allows ours that much too, never less than 1e-4."""
    import torch
    m64 = copy.deepcopy(model)
    m64.load_state_dict(state)
    m64 = m64.double().train()
    m64.zero_grad(set_to_none=True)
    loss64 = torch.nn.functional.cross_entropy(m64(x.double()), y)
    loss64.backward()
    named64 = dict(m64.named_parameters())
    largest = max(float(q.grad.abs().max()) for q in named64.values() if q.grad is not None)
    out = {"noise.loss": torch.tensor([abs(float(loss32) - float(loss64)) / abs(float(loss64))])}
    for name, prm in model.named_parameters():
        g32 = prm.grad if prm.grad is not None else torch.zeros_like(prm)
        g64 = named64[name].grad if named64[name].grad is not None else torch.zeros_like(named64[name])
        scale = max(float(g64.abs().max()), floor * largest)
        diff = float((g32.double() - g64).abs().max())
        out["noise." + name] = torch.tensor([diff / scale if scale > 0 else diff], dtype=torch.float32)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("out")
    p.add_argument("--res", type=int, default=64)
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--noise", action="store_true", help="also write noise.<name>: torch's own float32 error (a float64 step)")
    p.add_argument("--floor", type=float, default=1e-3, help="gradient scale floor, a fraction of the largest gradient")
    p.add_argument("--float64", action="store_true", help="run the eval and training step in float64 (figures written "
                   "as float32): the reference for ours in float64, where float32 rounding cannot hide a real difference")
    a = p.parse_args()
    import torch
    import torchvision
    torch.set_num_threads(max(1, a.threads))
    if not hasattr(torchvision.models, a.model):
        print(f"error: torchvision {torchvision.__version__} has no model '{a.model}'", file=sys.stderr)
        return 3
    kwargs = {"image_size": a.res} if a.model.startswith("vit_") else {}
    torch.manual_seed(a.seed)
    model = getattr(torchvision.models, a.model)(weights=None, **kwargs)
    perturb(model, a.seed)
    os.makedirs(a.out, exist_ok=True)
    save_safetensors(os.path.join(a.out, "weights.safetensors"), model.state_dict(),
                     {"model": a.model, "source": f"random-init seed={a.seed}", "torch": torch.__version__,
                      "torchvision": torchvision.__version__})
    g = torch.Generator().manual_seed(a.seed + 1)
    x = torch.randn(a.batch, 3, a.res, a.res, generator=g)
    y = torch.randint(0, 1000, (a.batch,), generator=g)
    weights_state = copy.deepcopy(model.state_dict())
    if a.float64:
        model = model.double()
        x = x.double()
    model.eval()
    with torch.no_grad():
        eval_logits = model(x)
    for m in model.modules():
        if isinstance(m, (torch.nn.Dropout, torchvision.ops.StochasticDepth)):
            m.p = 0.0
    model.train()
    train_logits = model(x)
    loss = torch.nn.functional.cross_entropy(train_logits, y)
    loss.backward()
    out = {"input": x, "labels": y.float(), "eval_logits": eval_logits, "train_logits": train_logits.detach(),
           "loss": loss.detach().reshape(1)}
    for name, prm in model.named_parameters():
        out["grad." + name] = prm.grad if prm.grad is not None else torch.zeros_like(prm)
    if a.float64:
        out = {k: v.float() for k, v in out.items()}
    if a.noise and not a.float64:
        out.update(float32_noise(model, weights_state, x, y, loss, a.floor))
    save_safetensors(os.path.join(a.out, "expected.safetensors"), out, {"model": a.model})
    print(f"{a.model}: {sum(p.numel() for p in model.parameters())} parameters, torch {torch.__version__},"
          f" torchvision {torchvision.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
