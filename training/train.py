"""Trains Reprise's demo model on rendered scenes and writes it as a diffusers folder.

    python3 training/train.py --data training/data/scenes --out OUT_DIR [--vae-seconds 100]
        [--unet-seconds 380] [--device cuda] [--smoke]

Phases (each bounded by wall-clock seconds, so one run fits the GPU machine's 10-minute command):
1. AutoencoderKL (64x64 RGB -> 4x16x16 latents): L1 + MSE reconstruction + a small KL term.
2. Latents of every training image (and of its mirror image where the scene allows mirroring),
   the VAE's scaling factor = 1 / std of the latents.
3. UNet2DConditionModel + CLIPTextModel from scratch, jointly, epsilon prediction on the SD 1.x
   noise schedule (scaled_linear, 1000 steps), min-SNR-5 weighting, 10 % caption dropout (for
   classifier-free guidance), EMA of both.
4. Export: fp16 safetensors, configs, the scene tokenizer, the SD 1.x DDIM scheduler config,
   model_index.json, training.json (steps, seconds, losses).

The data folder is made by `npx tsx scripts/render-dataset.ts` (see training/README.md)."""
import argparse
import json
import lzma
import math
import os
import shutil
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402
import safetensors_io as st  # noqa: E402

VAE_CONFIG = {
    "_class_name": "AutoencoderKL",
    "_diffusers_version": "0.30.0",
    "act_fn": "silu",
    "block_out_channels": [32, 64, 128],
    "down_block_types": ["DownEncoderBlock2D"] * 3,
    "up_block_types": ["UpDecoderBlock2D"] * 3,
    "in_channels": 3,
    "out_channels": 3,
    "latent_channels": 4,
    "layers_per_block": 1,
    "norm_num_groups": 8,
    "sample_size": 64,
    "scaling_factor": 1.0,
    "force_upcast": False,
}

UNET_CONFIG = {
    "_class_name": "UNet2DConditionModel",
    "_diffusers_version": "0.30.0",
    "act_fn": "silu",
    "attention_head_dim": 4,
    "block_out_channels": [64, 128, 192],
    "center_input_sample": False,
    "cross_attention_dim": 192,
    "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
    "downsample_padding": 1,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "in_channels": 4,
    "out_channels": 4,
    "layers_per_block": 2,
    "mid_block_scale_factor": 1,
    "norm_eps": 1e-05,
    "norm_num_groups": 32,
    "sample_size": 16,
    "use_linear_projection": False,
}

TEXT_CONFIG = {
    "architectures": ["CLIPTextModel"],
    "model_type": "clip_text_model",
    "attention_dropout": 0.0,
    "hidden_act": "quick_gelu",
    "hidden_size": 192,
    "initializer_factor": 1.0,
    "initializer_range": 0.02,
    "intermediate_size": 768,
    "layer_norm_eps": 1e-05,
    "max_position_embeddings": 77,
    "num_attention_heads": 4,
    "num_hidden_layers": 4,
    "projection_dim": 192,
    "torch_dtype": "float16",
}

SCHEDULER_CONFIG = {
    "_class_name": "DDIMScheduler",
    "_diffusers_version": "0.30.0",
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "num_train_timesteps": 1000,
    "clip_sample": False,
    "set_alpha_to_one": False,
    "steps_offset": 1,
    "prediction_type": "epsilon",
    "timestep_spacing": "leading",
    "trained_betas": None,
}


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def read_xz(path, dtype):
    with lzma.open(path) as f:
        raw = bytearray(f.read())
    return torch.frombuffer(raw, dtype=dtype).clone()


def load_data(folder, limit=None):
    with open(os.path.join(folder, "meta.json")) as f:
        meta = json.load(f)
    n = meta["count"]
    size = meta["size"]
    images = read_xz(os.path.join(folder, "images.u8.xz"), torch.uint8).reshape(n, size, size, 3)
    ids = read_xz(os.path.join(folder, "ids.u16.xz"), torch.int16).reshape(n, len(meta["variants"]), 77)
    ids = ids.to(torch.int64) & 0xFFFF
    flags = read_xz(os.path.join(folder, "flags.u8.xz"), torch.uint8)
    if limit:
        images, ids, flags, n = images[:limit], ids[:limit], flags[:limit], min(n, limit)
    return meta, images, ids, flags


def to_pixels(u8):
    """uint8 [B,H,W,3] -> float [B,3,H,W] in [-1, 1]."""
    return u8.permute(0, 3, 1, 2).float() / 127.5 - 1.0


def psnr(a, b):
    mse = ((a - b) ** 2).mean().item() / 4.0  # [-1,1] -> [0,1] scale
    return 10 * math.log10(1.0 / max(mse, 1e-12))


def lr_at(step, frac, base, warmup):
    """Linear warm-up over `warmup` steps, then cosine decay to 10 % over the time budget
    (`frac` = elapsed / budget: phases are bounded by seconds, not steps)."""
    p = min(1.0, max(0.0, frac))
    return base * min(1.0, (step + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))


def train_vae(images, device, seconds, batch, smoke):
    torch.manual_seed(1)
    vae = models.AutoencoderKL(VAE_CONFIG).to(device)
    opt = torch.optim.AdamW(vae.parameters(), lr=1e-3, weight_decay=0.0)
    n = images.shape[0]
    held = to_pixels(images[-256:].to(device))
    train_n = n - 256 if n > 1024 else n
    start = time.time()
    step = 0
    expected = 20 if smoke else 10**9
    amp = device.type == "cuda"
    while time.time() - start < seconds and step < expected:
        idx = torch.randint(0, train_n, (batch,))
        x = to_pixels(images[idx].to(device, non_blocking=True))
        for g in opt.param_groups:
            g["lr"] = lr_at(step, (time.time() - start) / seconds, 1e-3, 100)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=amp):
            mean, logvar = vae.encode(x)
            z = mean + torch.randn_like(mean) * torch.exp(0.5 * logvar)
            rec = vae.decode(z)
        rec = rec.float()
        kl = 0.5 * (mean.float() ** 2 + logvar.float().exp() - 1 - logvar.float()).mean()
        loss = (rec - x).abs().mean() + ((rec - x) ** 2).mean() + 1e-4 * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vae.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 500 == 0:
            log(f"vae step {step} loss {loss.item():.4f} kl {kl.item():.3f}")
    vae.eval()
    with torch.no_grad():
        mean, _ = vae.encode(held)
        p = psnr(vae.decode(mean).clamp(-1, 1), held)
    log(f"vae done: {step} steps in {time.time() - start:.0f} s, held-out PSNR {p:.2f} dB")
    return vae, {"steps": step, "seconds": round(time.time() - start, 1), "heldout_psnr_db": round(p, 2), "batch": batch}


def encode_all(vae, images, flags, device):
    """Latent means and stds of every image and of its mirror (index n + i) where allowed."""
    n = images.shape[0]
    means, stds = [], []
    with torch.no_grad():
        for mirror in (False, True):
            for s in range(0, n, 1024):
                x = to_pixels(images[s : s + 1024].to(device))
                if mirror:
                    x = x.flip(-1)
                m, lv = vae.encode(x)
                means.append(m.float())
                stds.append(torch.exp(0.5 * lv.float()))
    mean = torch.cat(means)
    std = torch.cat(stds)
    scale = 1.0 / mean[:n].std().item()
    return mean, std, scale


class Ema:
    def __init__(self, modules, decay):
        self.decay = decay
        self.params = [p for m in modules for p in m.parameters()]
        self.shadow = [p.detach().clone().float() for p in self.params]

    @torch.no_grad()
    def update(self, step):
        d = min(self.decay, (1 + step) / (10 + step))
        torch._foreach_mul_(self.shadow, d)
        torch._foreach_add_(self.shadow, [p.detach().float() for p in self.params], alpha=1 - d)

    @torch.no_grad()
    def copy_to(self):
        for s, p in zip(self.shadow, self.params):
            p.copy_(s)


def load_weights(module, file):
    module.load_state_dict({k: v.float() for k, v in st.load(file).items()}, strict=True)
    return module


def train_unet(latent_mean, latent_std, scale, ids, flags, meta, device, seconds, batch, smoke, resume=None, base_lr=3e-4):
    torch.manual_seed(2)
    n = ids.shape[0]
    text_cfg = dict(TEXT_CONFIG, vocab_size=meta["vocabSize"], bos_token_id=meta["bosId"], eos_token_id=meta["eosId"], pad_token_id=meta["eosId"])
    unet = models.UNet2DConditionModel(UNET_CONFIG)
    text = models.CLIPTextModel(text_cfg)
    if resume:
        load_weights(unet, os.path.join(resume, "unet", "diffusion_pytorch_model.safetensors"))
        load_weights(text, os.path.join(resume, "text_encoder", "model.safetensors"))
    else:
        with torch.no_grad():
            for name, p in text.named_parameters():
                if name.endswith("token_embedding.weight") or name.endswith("position_embedding.weight"):
                    p.normal_(0, 0.02)
    unet, text = unet.to(device), text.to(device)
    params = list(unet.parameters()) + list(text.parameters())
    opt = torch.optim.AdamW(params, lr=3e-4, weight_decay=1e-2)
    ema = Ema([unet, text], 0.999)
    betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float64) ** 2
    ac = torch.cumprod(1 - betas, 0).float().to(device)
    snr = ac / (1 - ac)
    ids = ids.to(device)
    flags_d = flags.to(device).bool()
    uncond = torch.tensor(meta["uncondIds"], device=device)
    left, right = meta["leftId"], meta["rightId"]
    nv = ids.shape[1]
    amp = device.type == "cuda"
    expected = 10 if smoke else 10**9
    start = time.time()
    step = 0
    losses = []
    while time.time() - start < seconds and step < expected:
        i = torch.randint(0, n, (batch,), device=device)
        mirror = flags_d[i] & (torch.rand(batch, device=device) < 0.5)
        li = torch.where(mirror, i + n, i)
        z0 = (latent_mean[li] + latent_std[li] * torch.randn(batch, 4, 16, 16, device=device)) * scale
        v = torch.randint(0, nv, (batch,), device=device)
        cap = ids[i, v]
        swapped = torch.where(cap == left, torch.full_like(cap, right), torch.where(cap == right, torch.full_like(cap, left), cap))
        cap = torch.where(mirror[:, None], swapped, cap)
        drop = torch.rand(batch, device=device) < 0.1
        cap = torch.where(drop[:, None], uncond[None, :], cap)
        t = torch.randint(0, 1000, (batch,), device=device)
        eps = torch.randn_like(z0)
        a = ac[t][:, None, None, None]
        zt = a.sqrt() * z0 + (1 - a).sqrt() * eps
        for g in opt.param_groups:
            g["lr"] = lr_at(step, (time.time() - start) / seconds, base_lr, 200)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=amp):
            ctx, _, _ = text(cap)
            pred = unet(zt, t, ctx)
        w = torch.clamp(snr[t], max=5.0) / snr[t]
        loss = (w * ((pred.float() - eps) ** 2).mean(dim=(1, 2, 3))).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        ema.update(step)
        step += 1
        losses.append(loss.item() if step % 50 == 0 else None)
        if step % 500 == 0:
            recent = [x for x in losses[-500:] if x is not None]
            log(f"unet step {step} loss {sum(recent) / max(1, len(recent)):.4f} ({(time.time() - start) / step * 1000:.0f} ms/step)")
    ema.copy_to()
    info = {"steps": step, "seconds": round(time.time() - start, 1), "batch": batch, "final_loss": [x for x in losses if x is not None][-20:]}
    log(f"unet done: {step} steps in {time.time() - start:.0f} s")
    return unet.eval(), text.eval(), text_cfg, info


def export(out, vae, unet, text, text_cfg, scale, tokenizer_dir, info):
    os.makedirs(out, exist_ok=True)

    def save(sub, weights, module, cfg):
        d = os.path.join(out, sub)
        os.makedirs(d, exist_ok=True)
        st.save(os.path.join(d, weights), {k: v.detach().half() for k, v in module.state_dict().items()}, {"format": "pt"})
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)

    save("vae", "diffusion_pytorch_model.safetensors", vae, dict(VAE_CONFIG, scaling_factor=round(scale, 5)))
    save("unet", "diffusion_pytorch_model.safetensors", unet, UNET_CONFIG)
    save("text_encoder", "model.safetensors", text, text_cfg)
    shutil.copytree(tokenizer_dir, os.path.join(out, "tokenizer"), dirs_exist_ok=True)
    os.makedirs(os.path.join(out, "scheduler"), exist_ok=True)
    with open(os.path.join(out, "scheduler", "scheduler_config.json"), "w") as f:
        json.dump(SCHEDULER_CONFIG, f, indent=2)
    with open(os.path.join(out, "model_index.json"), "w") as f:
        json.dump(
            {
                "_class_name": "StableDiffusionPipeline",
                "_diffusers_version": "0.30.0",
                "unet": ["diffusers", "UNet2DConditionModel"],
                "vae": ["diffusers", "AutoencoderKL"],
                "text_encoder": ["transformers", "CLIPTextModel"],
                "tokenizer": ["transformers", "CLIPTokenizer"],
                "scheduler": ["diffusers", "DDIMScheduler"],
                "safety_checker": [None, None],
                "feature_extractor": [None, None],
                "requires_safety_checker": False,
            },
            f,
            indent=2,
        )
    with open(os.path.join(out, "training.json"), "w") as f:
        json.dump(info, f, indent=2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--vae-seconds", type=float, default=100)
    ap.add_argument("--unet-seconds", type=float, default=380)
    ap.add_argument("--vae-batch", type=int, default=128)
    ap.add_argument("--unet-batch", type=int, default=256)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--resume", default=None, help="a folder this script exported: keep its VAE, continue its UNet and text encoder")
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--smoke", action="store_true", help="a few steps on a few images (checks the script, not the model)")
    args = ap.parse_args()
    device = torch.device(args.device)
    t0 = time.time()
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        log(f"device {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    meta, images, ids, flags = load_data(args.data, 2048 if args.smoke else None)
    log(f"data: {images.shape[0]} scenes, vocab {meta['vocabSize']}, loaded in {time.time() - t0:.0f} s")
    images = images.to(device)
    if args.resume:
        vae = load_weights(models.AutoencoderKL(VAE_CONFIG), os.path.join(args.resume, "vae", "diffusion_pytorch_model.safetensors")).to(device).eval()
        with open(os.path.join(args.resume, "training.json")) as f:
            previous = json.load(f)
        vae_info = previous["vae"]
        log(f"resuming {args.resume}: VAE kept, UNet and text encoder continue")
    else:
        previous = None
        vae, vae_info = train_vae(images, device, args.vae_seconds, 8 if args.smoke else args.vae_batch, args.smoke)
    mean, std, scale = encode_all(vae, images, flags, device)
    if args.resume:
        with open(os.path.join(args.resume, "vae", "config.json")) as f:
            scale = json.load(f)["scaling_factor"]  # the UNet was trained on latents of this scale
    log(f"latents {tuple(mean.shape)}, scaling_factor {scale:.5f}")
    unet, text, text_cfg, unet_info = train_unet(mean, std, scale, ids, flags, meta, device, args.unet_seconds, 8 if args.smoke else args.unet_batch, args.smoke, args.resume, args.lr)
    info = {
        "device": torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu",
        "torch": torch.__version__,
        "scenes": int(images.shape[0]),
        "first_seed": meta["first"],
        "vae": vae_info,
        "unet_and_text_encoder": unet_info,
        "scaling_factor": scale,
        "previous_runs": ([{k: v for k, v in previous.items() if k != "previous_runs"}] + previous.get("previous_runs", [])) if previous else [],
        "total_seconds": round(time.time() - t0, 1),
        "parameters": {
            "unet": sum(p.numel() for p in unet.parameters()),
            "vae": sum(p.numel() for p in vae.parameters()),
            "text_encoder": sum(p.numel() for p in text.parameters()),
        },
    }
    export(args.out, vae.float().cpu(), unet.float().cpu(), text.float().cpu(), text_cfg, scale, os.path.join(args.data, "tokenizer"), info)
    log(f"exported to {args.out} ({time.time() - t0:.0f} s in all)")


if __name__ == "__main__":
    main()
