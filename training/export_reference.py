"""Writes conformance references for a trained model folder, in the shared fixtures' format, so
the SDK's conformance runner (`npm run conformance -- MODEL_DIR`) checks the SDK's graphs
against this model:

    unet/reference.safetensors          sample, timestep, encoder_hidden_states, out, attn:<layer>
    unet/reference.json                 attention layers in call order
    vae/reference.safetensors           image, posterior_mean, posterior_logvar, latent, decoded
    text_encoder/reference.safetensors  input_ids, last_hidden_state, penultimate_hidden_state, pooler_output
    tokenizer/reference.json            texts with tokens and input_ids

    python3 training/export_reference.py MODEL_DIR [--image-data training/data/scenes]

All outputs are float32 on CPU from the stored (fp16) weights widened to float32. The text encoder
and tokenizer references come from transformers' CLIPTextModel / CLIPTokenizer when transformers
is importable (the GPU machine has it), else from training/models.py (and no tokenizer reference);
the metadata key `reference` of each file says which. UNet and VAE always come from
training/models.py (no diffusers here), which check_fixtures.py proves against diffusers' fixtures."""
import argparse
import json
import lzma
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402
import safetensors_io as st  # noqa: E402
from check_fixtures import load_component  # noqa: E402

CAPTIONS = [
    "a red circle and a blue square on a yellow background",
    "a small green star in the top left on a gray striped background",
    "a large purple heart at the bottom and a small white diamond in the top right on a black checkered background",
    "an orange hexagon on a cyan gradient background",
    "a medium brown triangle in the center",
    "a pink circle, a blue star and a red square on a white background",
    "",
    "A Red Circle!",
    "a zebra on the moon",
]

try:
    import transformers  # noqa: F401

    HAVE_TRANSFORMERS = True
except Exception:  # noqa: BLE001
    HAVE_TRANSFORMERS = False


def load(folder, cls, weights):
    m = load_component(folder, cls, weights)
    return m, m.config


def simple_ids(model_dir, texts):
    """Ids of scene captions with the word-level vocabulary (every caption word is one token)."""
    with open(os.path.join(model_dir, "tokenizer", "vocab.json")) as f:
        vocab = json.load(f)
    bos, eos = vocab["<|startoftext|>"], vocab["<|endoftext|>"]
    rows = []
    for t in texts:
        ids = [bos] + [vocab[w + "</w>"] for w in t.split()] + [eos]
        rows.append(ids + [eos] * (77 - len(ids)))
    return torch.tensor(rows, dtype=torch.int64)


def text_reference(model_dir):
    d = os.path.join(model_dir, "text_encoder")
    texts = CAPTIONS[:2]
    if HAVE_TRANSFORMERS:
        from transformers import CLIPTextModel, CLIPTokenizer

        tok = CLIPTokenizer.from_pretrained(os.path.join(model_dir, "tokenizer"))
        ids = torch.tensor(tok(texts, padding="max_length", max_length=77, truncation=True)["input_ids"], dtype=torch.int64)
        try:
            m = CLIPTextModel.from_pretrained(d, dtype=torch.float32)
        except TypeError:
            m = CLIPTextModel.from_pretrained(d, torch_dtype=torch.float32)
        m = m.float().eval()
        with torch.no_grad():
            o = m(input_ids=ids, output_hidden_states=True)
        last, pen, pooled = o.last_hidden_state, o.hidden_states[-2], o.pooler_output
        source = f"transformers {transformers.__version__} CLIPTextModel"
    else:
        ids = simple_ids(model_dir, texts)
        m, _ = load(d, models.CLIPTextModel, "model.safetensors")
        with torch.no_grad():
            last, pen, pooled = m(ids)
        source = "reprise training/models.py CLIPTextModel"
    st.save(
        os.path.join(d, "reference.safetensors"),
        {"input_ids": ids, "last_hidden_state": last.float(), "penultimate_hidden_state": pen.float(), "pooler_output": pooled.float()},
        {"reference": source},
    )
    print(f"text_encoder reference: {source}")
    return last.float()


def tokenizer_reference(model_dir):
    if not HAVE_TRANSFORMERS:
        print("tokenizer reference: skipped (transformers is not installed)")
        return
    import transformers
    from transformers import CLIPTokenizer

    tok = CLIPTokenizer.from_pretrained(os.path.join(model_dir, "tokenizer"))
    entries = []
    for t in CAPTIONS:
        entries.append({"text": t, "tokens": tok.tokenize(t), "input_ids": tok(t, padding="max_length", max_length=77, truncation=True)["input_ids"]})
    with open(os.path.join(model_dir, "tokenizer", "reference.json"), "w") as f:
        json.dump(entries, f, indent=1)
    print(f"tokenizer reference: transformers {transformers.__version__} CLIPTokenizer, {len(entries)} texts")


def unet_reference(model_dir, context):
    d = os.path.join(model_dir, "unet")
    m, cfg = load(d, models.UNet2DConditionModel, "diffusion_pytorch_model.safetensors")
    g = torch.Generator().manual_seed(7)
    s = cfg["sample_size"]
    sample = torch.randn(2, cfg["in_channels"], s, s, generator=g)
    timestep = torch.tensor([999, 1], dtype=torch.int64)
    probs = {}
    with torch.no_grad():
        out = m(sample, timestep, context, probs_out=probs)
    tensors = {"sample": sample, "timestep": timestep, "encoder_hidden_states": context, "out": out}
    for name, p in probs.items():
        tensors[f"attn:{name}"] = p
    st.save(os.path.join(d, "reference.safetensors"), tensors, {"reference": "reprise training/models.py UNet2DConditionModel"})
    order = []
    for name, _ in m.named_modules():
        if name.endswith(".attn1") or name.endswith(".attn2"):
            order.append(name)
    with open(os.path.join(d, "reference.json"), "w") as f:
        json.dump({"attention_layers_in_call_order": order}, f, indent=1)
    print(f"unet reference: {len(probs)} cross-attention layers")


def vae_reference(model_dir, data_dir):
    d = os.path.join(model_dir, "vae")
    m, cfg = load(d, models.AutoencoderKL, "diffusion_pytorch_model.safetensors")
    s = cfg["sample_size"]
    if data_dir and os.path.isfile(os.path.join(data_dir, "images.u8.xz")):
        with lzma.open(os.path.join(data_dir, "images.u8.xz")) as f:
            raw = bytearray(f.read(s * s * 3))
        image = torch.frombuffer(raw, dtype=torch.uint8).reshape(1, s, s, 3).permute(0, 3, 1, 2).float() / 127.5 - 1
    else:
        image = torch.rand(1, 3, s, s, generator=torch.Generator().manual_seed(3)) * 2 - 1
    with torch.no_grad():
        mean, logvar = m.encode(image)
        decoded = m.decode(mean)
    st.save(
        os.path.join(d, "reference.safetensors"),
        {"image": image.contiguous(), "posterior_mean": mean, "posterior_logvar": logvar, "latent": mean.clone(), "decoded": decoded},
        {"reference": "reprise training/models.py AutoencoderKL"},
    )
    print("vae reference written")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("--image-data", default=None)
    args = ap.parse_args()
    torch.set_grad_enabled(False)
    context = text_reference(args.model_dir)
    tokenizer_reference(args.model_dir)
    unet_reference(args.model_dir, context)
    vae_reference(args.model_dir, args.image_data)


if __name__ == "__main__":
    main()
