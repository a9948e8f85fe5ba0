#!/usr/bin/env python3
"""Writes a torchvision model's state dict as safetensors, for `--weights FILE.safetensors`.

  export_torchvision_weights.py MODEL OUT.safetensors [--image-size R] [--seed 42] [--random]
  export_torchvision_weights.py --key-lists DIR [--models m1,m2,...]

MODEL is a torchvision builder name (resnet50, vit_b_16, swin_t, ...). The weights are torchvision's pretrained
ones when their file is already in torch.hub's cache (nothing is downloaded: offline machines copy the file into
`$TORCH_HOME/hub/checkpoints/` first, or copy the exported .safetensors itself), else torchvision's own random
initialisation after torch.manual_seed(SEED); `--random` forces the latter. The file's metadata says which
(`source`: pretrained file name or `random-init seed=N`), and the torch and torchvision versions.

The safetensors format is written here by hand (an 8-byte little-endian header length, a JSON header of
{name: {dtype, shape, data_offsets}} padded with spaces to 8 bytes, then the raw little-endian tensors), because
Debian's torch 1.13 has no safetensors package. Every entry of the state dict is written, buffers included
(BatchNorm's running_mean/running_var and num_batches_tracked, Swin's and MaxViT's relative_position_index), as
torchvision names them; the reader in the tool ignores the derived buffers.

`--key-lists DIR` writes, per model, the state-dict names in torchvision's registration order, less the derived
buffers (num_batches_tracked, relative_position_index), each with its shape at 224 px and 1000 classes: the tool's mapping from torchvision's names to its own
parameters (src/main/resources/org/medfusion/weights/torchvision-keys/).
"""
import argparse
import json
import os
import struct
import sys

DTYPES = {}  # torch dtype -> (safetensors label), filled once torch is imported

# Buffers torchvision derives from the architecture; the tool builds its own and does not load them.
DERIVED_BUFFERS = ("num_batches_tracked", "relative_position_index")


def build(name, image_size, seed, random_init):
    import torch
    import torchvision
    if not hasattr(torchvision.models, name):
        raise SystemExit(f"error: torchvision {torchvision.__version__} has no model '{name}'")
    builder = getattr(torchvision.models, name)
    kwargs = {"image_size": image_size} if name.startswith("vit_") and image_size else {}
    source = None
    if not random_init and kwargs.get("image_size", 224) == 224:
        weights = torchvision.models.get_model_weights(name).DEFAULT if hasattr(torchvision.models, "get_model_weights") \
            else None
        if weights is not None:
            cached = os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(weights.url))
            if os.path.exists(cached):
                model = builder(weights=weights, **kwargs)
                source = "pretrained " + os.path.basename(weights.url)
    if source is None:
        torch.manual_seed(seed)
        model = builder(weights=None, **kwargs)
        source = f"random-init seed={seed}"
    return model.eval(), source


def save_safetensors(path, state, metadata):
    import torch
    labels = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
              torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
              torch.bool: "BOOL"}
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name, t in state.items():
        t = t.detach().cpu().contiguous()
        if t.dtype not in labels:
            raise SystemExit(f"error: tensor {name} has dtype {t.dtype}, which safetensors cannot hold")
        data = t.numpy().astype(t.numpy().dtype.newbyteorder("<"), copy=False).tobytes() if t.numel() else b""
        header[name] = {"dtype": labels[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def key_lists(out_dir, models):
    import torch
    import torchvision
    torch.set_num_threads(1)
    os.makedirs(out_dir, exist_ok=True)
    for name in models:
        if not hasattr(torchvision.models, name):
            print(f"skip {name}: torchvision {torchvision.__version__} lacks it", file=sys.stderr)
            continue
        model = getattr(torchvision.models, name)(weights=None)
        keys = [f"{k} {','.join(str(d) for d in v.shape)}" for k, v in model.state_dict().items()
                if not k.endswith(DERIVED_BUFFERS)]
        with open(os.path.join(out_dir, name + ".txt"), "w") as f:
            f.write(f"# torchvision {torchvision.__version__} state-dict names of {name} in registration order, less derived"
                    f" buffers, with their shapes at 224 px and 1000 classes;\n# written by"
                    f" scripts/export_torchvision_weights.py --key-lists\n")
            f.write("\n".join(keys) + "\n")
        print(f"{name}: {len(keys)} names")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", nargs="?")
    p.add_argument("out", nargs="?")
    p.add_argument("--image-size", type=int, default=None, help="ViT only: the resolution its position embedding is sized for")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--random", action="store_true", help="random init even when a pretrained file is cached")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--key-lists", metavar="DIR")
    p.add_argument("--models", help="with --key-lists: comma-separated names (default: every name in the list file)")
    a = p.parse_args()
    import torch
    torch.set_num_threads(max(1, a.threads))
    if a.key_lists:
        models = a.models.split(",") if a.models else [m.strip() for m in sys.stdin if m.strip()]
        key_lists(a.key_lists, models)
        return 0
    if not a.model or not a.out:
        p.error("MODEL and OUT.safetensors are required")
    import torchvision
    model, source = build(a.model, a.image_size, a.seed, a.random)
    save_safetensors(a.out, model.state_dict(), {"model": a.model, "source": source, "torch": torch.__version__,
                                                 "torchvision": torchvision.__version__,
                                                 "image_size": a.image_size or 224})
    print(f"{a.out}: {a.model} ({source}), {len(model.state_dict())} tensors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
