"""Proves that training/models.py computes what diffusers/transformers compute: loads the shared
reference fixtures' weights into the modules (strict: every parameter name and shape must match)
and compares their outputs with the fixtures' reference.safetensors.

    python3 training/check_fixtures.py [FIXTURES_DIR]   (default ../shared/fixtures/reference)

Prints one line per check and exits 1 if any maximum absolute difference exceeds 1e-4."""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402
import safetensors_io as st  # noqa: E402

TOL = 1e-4


def load_component(folder, cls, weights):
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    m = cls(cfg)
    sd = {k: v.float() for k, v in st.load(os.path.join(folder, weights)).items()}
    m.load_state_dict(sd, strict=True)
    return m.eval()


def report(name, got, want, results):
    diff = (got.double() - want.double()).abs().max().item()
    ok = diff <= TOL and tuple(got.shape) == tuple(want.shape)
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name:70s} max|diff| {diff:.3g}")


def check_unet(folder, results):
    m = load_component(folder, models.UNet2DConditionModel, "diffusion_pytorch_model.safetensors")
    ref = st.load(os.path.join(folder, "reference.safetensors"))
    probs = {}
    with torch.no_grad():
        out = m(ref["sample"], ref["timestep"], ref["encoder_hidden_states"], ref.get("timestep_cond"), probs_out=probs)
    name = os.path.basename(folder)
    report(f"{name} out", out, ref["out"], results)
    for key in sorted(k for k in ref if k.startswith("attn:")):
        report(f"{name} {key}", probs[key[5:]], ref[key], results)


def check_vae(folder, results):
    m = load_component(folder, models.AutoencoderKL, "diffusion_pytorch_model.safetensors")
    ref = st.load(os.path.join(folder, "reference.safetensors"))
    with torch.no_grad():
        mean, logvar = m.encode(ref["image"])
        dec = m.decode(ref["latent"])
    name = os.path.basename(folder)
    report(f"{name} posterior_mean", mean, ref["posterior_mean"], results)
    report(f"{name} posterior_logvar", logvar, ref["posterior_logvar"], results)
    report(f"{name} decoded", dec, ref["decoded"], results)


def check_text_encoder(folder, results):
    m = load_component(folder, models.CLIPTextModel, "model.safetensors")
    ref = st.load(os.path.join(folder, "reference.safetensors"))
    with torch.no_grad():
        last, pen, pooled = m(ref["input_ids"])
    name = os.path.basename(folder)
    report(f"{name} last_hidden_state", last, ref["last_hidden_state"], results)
    report(f"{name} penultimate_hidden_state", pen, ref["penultimate_hidden_state"], results)
    report(f"{name} pooler_output", pooled, ref["pooler_output"], results)


def check_folder(root):
    """Runs every check whose component folder (config.json + reference.safetensors) is in root."""
    results = []
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name)
        cfg_file = os.path.join(folder, "config.json")
        if not (os.path.isfile(cfg_file) and os.path.isfile(os.path.join(folder, "reference.safetensors"))):
            continue
        with open(cfg_file) as f:
            cfg = json.load(f)
        cls = cfg.get("_class_name") or (cfg.get("architectures") or [""])[0]
        if cls == "UNet2DConditionModel":
            check_unet(folder, results)
        elif cls == "AutoencoderKL":
            check_vae(folder, results)
        elif cls == "CLIPTextModel":
            check_text_encoder(folder, results)
    return results


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "shared", "fixtures", "reference")
    res = check_folder(root)
    print(f"{sum(res)}/{len(res)} checks within {TOL}")
    sys.exit(0 if res and all(res) else 1)
