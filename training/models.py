"""PyTorch modules that compute what diffusers' UNet2DConditionModel and AutoencoderKL and
transformers' CLIPTextModel compute, for the configurations Reprise's demo model uses (SD 1.x/2.x
UNet layout, AutoencoderKL, CLIP text encoder with quick_gelu), with the same parameter names, so
their state dicts are diffusers/transformers folders and the SDK loads them with no special case.

Neither diffusers nor (on Debian's python3-torch) transformers is available to training, so these
are written from the reference semantics; check_fixtures.py proves them against the shared
reference fixtures before any training. Works on PyTorch 1.13 (CPU) and 2.x (CUDA)."""
import math

import torch
import torch.nn.functional as F
from torch import nn

_HAS_SDPA = hasattr(F, "scaled_dot_product_attention")


def _attention(q, k, v, heads, want_probs=False, causal=False):
    """Multi-head attention over [B, N, heads*d] inputs; returns (out, probs or None).
    probs are [B*heads, N, M], batch-major (row b*heads + h), as the fixtures store them."""
    b, n, inner = q.shape
    m = k.shape[1]
    d = inner // heads
    q = q.reshape(b, n, heads, d).transpose(1, 2)
    k = k.reshape(b, m, heads, d).transpose(1, 2)
    v = v.reshape(b, m, heads, d).transpose(1, 2)
    if _HAS_SDPA and not want_probs:
        out = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        probs = None
    else:
        logits = torch.matmul(q, k.transpose(-1, -2)) * (d ** -0.5)
        if causal:
            mask = torch.full((n, m), float("-inf"), device=q.device, dtype=logits.dtype).triu(1)
            logits = logits + mask
        probs = logits.softmax(dim=-1)
        out = torch.matmul(probs, v)
        probs = probs.reshape(b * heads, n, m)
    return out.transpose(1, 2).reshape(b, n, inner), probs


# ----------------------------------------------------------------------------------------------
# Shared blocks


class ResnetBlock2D(nn.Module):
    def __init__(self, cin, cout, temb, groups, eps):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=eps)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        if temb is not None:
            self.time_emb_proj = nn.Linear(temb, cout)
        self.norm2 = nn.GroupNorm(groups, cout, eps=eps)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        if cin != cout:
            self.conv_shortcut = nn.Conv2d(cin, cout, 1)

    def forward(self, x, temb=None):
        h = self.conv1(F.silu(self.norm1(x)))
        if temb is not None:
            h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        if hasattr(self, "conv_shortcut"):
            x = self.conv_shortcut(x)
        return x + h


class Downsample2D(nn.Module):
    """Stride-2 3x3 conv; `padding=0` pads right/bottom by one first (the VAE encoder's form)."""

    def __init__(self, c, padding):
        super().__init__()
        self.padding = padding
        self.conv = nn.Conv2d(c, c, 3, stride=2, padding=padding)

    def forward(self, x):
        if self.padding == 0:
            x = F.pad(x, (0, 1, 0, 1))
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


# ----------------------------------------------------------------------------------------------
# UNet2DConditionModel


class Attention(nn.Module):
    def __init__(self, dim, heads, context_dim=None):
        super().__init__()
        self.heads = heads
        ctx = dim if context_dim is None else context_dim
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(ctx, dim, bias=False)
        self.to_v = nn.Linear(ctx, dim, bias=False)
        self.to_out = nn.ModuleList([nn.Linear(dim, dim)])

    def forward(self, x, context=None, probs_out=None, name=None):
        ctx = x if context is None else context
        out, probs = _attention(self.to_q(x), self.to_k(ctx), self.to_v(ctx), self.heads, want_probs=probs_out is not None)
        if probs_out is not None:
            probs_out[name] = probs
        return self.to_out[0](out)


class GEGLU(nn.Module):
    def __init__(self, dim, inner):
        super().__init__()
        self.proj = nn.Linear(dim, inner * 2)

    def forward(self, x):
        h, gate = self.proj(x).chunk(2, dim=-1)
        return h * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.net = nn.ModuleList([GEGLU(dim, dim * 4), nn.Dropout(0.0), nn.Linear(dim * 4, dim)])

    def forward(self, x):
        for layer in self.net:
            x = layer(x)
        return x


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, heads, context_dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn1 = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.attn2 = Attention(dim, heads, context_dim)
        self.norm3 = nn.LayerNorm(dim)
        self.ff = FeedForward(dim)

    def forward(self, x, context, probs_out=None, prefix=""):
        x = x + self.attn1(self.norm1(x))
        x = x + self.attn2(self.norm2(x), context, probs_out, prefix + "attn2")
        return x + self.ff(self.norm3(x))


class Transformer2DModel(nn.Module):
    def __init__(self, channels, heads, context_dim, groups, linear):
        super().__init__()
        self.linear = linear
        self.norm = nn.GroupNorm(groups, channels, eps=1e-6)
        self.proj_in = nn.Linear(channels, channels) if linear else nn.Conv2d(channels, channels, 1)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(channels, heads, context_dim)])
        self.proj_out = nn.Linear(channels, channels) if linear else nn.Conv2d(channels, channels, 1)

    def forward(self, x, context, probs_out=None, prefix=""):
        b, c, h, w = x.shape
        res = x
        x = self.norm(x)
        if self.linear:
            x = self.proj_in(x.permute(0, 2, 3, 1).reshape(b, h * w, c))
        else:
            x = self.proj_in(x).permute(0, 2, 3, 1).reshape(b, h * w, c)
        x = self.transformer_blocks[0](x, context, probs_out, prefix + "transformer_blocks.0.")
        if self.linear:
            x = self.proj_out(x).reshape(b, h, w, c).permute(0, 3, 1, 2)
        else:
            x = self.proj_out(x.reshape(b, h, w, c).permute(0, 3, 1, 2))
        return x + res


class UNetBlock(nn.Module):
    """Down or up block of the UNet: resnets, optional cross-attention transformers, resampler."""

    def __init__(self, resnet_channels, temb, groups, eps, attn, heads, context_dim, linear, resample, resample_channels):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(ci, co, temb, groups, eps) for ci, co in resnet_channels])
        if attn:
            self.attentions = nn.ModuleList([Transformer2DModel(co, heads, context_dim, groups, linear) for _, co in resnet_channels])
        if resample == "down":
            self.downsamplers = nn.ModuleList([Downsample2D(resample_channels, 1)])
        elif resample == "up":
            self.upsamplers = nn.ModuleList([Upsample2D(resample_channels)])


class UNet2DConditionModel(nn.Module):
    """diffusers UNet2DConditionModel for SD 1.x/2.x-style configs (CrossAttn/plain Down/Up
    blocks, UNetMidBlock2DCrossAttn, positional timesteps, optional LCM `time_cond_proj_dim`)."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        boc = list(config["block_out_channels"])
        groups = config.get("norm_num_groups", 32)
        eps = config.get("norm_eps", 1e-5)
        lpb = config.get("layers_per_block", 2)
        ctx = config["cross_attention_dim"]
        linear = bool(config.get("use_linear_projection", False))
        heads_cfg = config.get("num_attention_heads") or config.get("attention_head_dim", 8)
        heads = list(heads_cfg) if isinstance(heads_cfg, (list, tuple)) else [heads_cfg] * len(boc)
        self.flip = config.get("flip_sin_to_cos", True)
        self.shift = config.get("freq_shift", 0)
        temb = boc[0] * 4
        self.conv_in = nn.Conv2d(config.get("in_channels", 4), boc[0], 3, padding=1)
        self.time_embedding = nn.Module()
        self.time_embedding.linear_1 = nn.Linear(boc[0], temb)
        self.time_embedding.linear_2 = nn.Linear(temb, temb)
        if config.get("time_cond_proj_dim"):
            self.time_embedding.cond_proj = nn.Linear(config["time_cond_proj_dim"], boc[0], bias=False)
        self.down_blocks = nn.ModuleList()
        cout = boc[0]
        for i, kind in enumerate(config["down_block_types"]):
            cin, cout = cout, boc[i]
            final = i == len(boc) - 1
            chans = [(cin if j == 0 else cout, cout) for j in range(lpb)]
            self.down_blocks.append(
                UNetBlock(chans, temb, groups, eps, kind.startswith("CrossAttn"), heads[i], ctx, linear, None if final else "down", cout)
            )
        self.mid_block = nn.Module()
        self.mid_block.resnets = nn.ModuleList([ResnetBlock2D(boc[-1], boc[-1], temb, groups, eps) for _ in range(2)])
        self.mid_block.attentions = nn.ModuleList([Transformer2DModel(boc[-1], heads[-1], ctx, groups, linear)])
        rev = list(reversed(boc))
        rev_heads = list(reversed(heads))
        self.up_blocks = nn.ModuleList()
        cout = rev[0]
        for i, kind in enumerate(config["up_block_types"]):
            prev, cout = cout, rev[i]
            cin = rev[min(i + 1, len(rev) - 1)]
            final = i == len(rev) - 1
            chans = []
            for j in range(lpb + 1):
                skip = cin if j == lpb else cout
                chans.append(((prev if j == 0 else cout) + skip, cout))
            self.up_blocks.append(
                UNetBlock(chans, temb, groups, eps, kind.startswith("CrossAttn"), rev_heads[i], ctx, linear, None if final else "up", cout)
            )
        self.conv_norm_out = nn.GroupNorm(groups, boc[0], eps=eps)
        self.conv_out = nn.Conv2d(boc[0], config.get("out_channels", 4), 3, padding=1)

    def time_proj(self, t):
        dim = self.conv_in.out_channels
        half = dim // 2
        exponent = -math.log(10000) * torch.arange(half, dtype=torch.float32, device=t.device) / (half - self.shift)
        emb = t.float()[:, None] * torch.exp(exponent)[None, :]
        emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=-1)
        if self.flip:
            emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)
        return emb

    def forward(self, sample, timestep, encoder_hidden_states, timestep_cond=None, probs_out=None):
        if timestep.dim() == 0:
            timestep = timestep[None]
        timestep = timestep.expand(sample.shape[0])
        t = self.time_proj(timestep).to(sample.dtype)
        if timestep_cond is not None:
            t = t + self.time_embedding.cond_proj(timestep_cond)
        temb = self.time_embedding.linear_2(F.silu(self.time_embedding.linear_1(t)))
        ctx = encoder_hidden_states
        x = self.conv_in(sample)
        skips = [x]
        for i, block in enumerate(self.down_blocks):
            for j, resnet in enumerate(block.resnets):
                x = resnet(x, temb)
                if hasattr(block, "attentions"):
                    x = block.attentions[j](x, ctx, probs_out, f"down_blocks.{i}.attentions.{j}.")
                skips.append(x)
            if hasattr(block, "downsamplers"):
                x = block.downsamplers[0](x)
                skips.append(x)
        x = self.mid_block.resnets[0](x, temb)
        x = self.mid_block.attentions[0](x, ctx, probs_out, "mid_block.attentions.0.")
        x = self.mid_block.resnets[1](x, temb)
        for i, block in enumerate(self.up_blocks):
            for j, resnet in enumerate(block.resnets):
                x = resnet(torch.cat([x, skips.pop()], dim=1), temb)
                if hasattr(block, "attentions"):
                    x = block.attentions[j](x, ctx, probs_out, f"up_blocks.{i}.attentions.{j}.")
            if hasattr(block, "upsamplers"):
                x = block.upsamplers[0](x)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


# ----------------------------------------------------------------------------------------------
# AutoencoderKL


class VaeAttention(nn.Module):
    """The VAE mid-block's single-head self-attention with its own group norm and residual."""

    def __init__(self, c, groups):
        super().__init__()
        self.group_norm = nn.GroupNorm(groups, c, eps=1e-6)
        self.to_q = nn.Linear(c, c)
        self.to_k = nn.Linear(c, c)
        self.to_v = nn.Linear(c, c)
        self.to_out = nn.ModuleList([nn.Linear(c, c)])

    def forward(self, x):
        b, c, h, w = x.shape
        y = self.group_norm(x).reshape(b, c, h * w).transpose(1, 2)
        out, _ = _attention(self.to_q(y), self.to_k(y), self.to_v(y), 1)
        out = self.to_out[0](out).transpose(1, 2).reshape(b, c, h, w)
        return out + x


class VaeMidBlock(nn.Module):
    def __init__(self, c, groups):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(c, c, None, groups, 1e-6) for _ in range(2)])
        self.attentions = nn.ModuleList([VaeAttention(c, groups)])

    def forward(self, x):
        return self.resnets[1](self.attentions[0](self.resnets[0](x)))


class Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        boc = cfg["block_out_channels"]
        g = cfg.get("norm_num_groups", 32)
        lpb = cfg.get("layers_per_block", 1)
        self.conv_in = nn.Conv2d(cfg.get("in_channels", 3), boc[0], 3, padding=1)
        self.down_blocks = nn.ModuleList()
        cout = boc[0]
        for i in range(len(boc)):
            cin, cout = cout, boc[i]
            blk = nn.Module()
            blk.resnets = nn.ModuleList([ResnetBlock2D(cin if j == 0 else cout, cout, None, g, 1e-6) for j in range(lpb)])
            if i != len(boc) - 1:
                blk.downsamplers = nn.ModuleList([Downsample2D(cout, 0)])
            self.down_blocks.append(blk)
        self.mid_block = VaeMidBlock(boc[-1], g)
        self.conv_norm_out = nn.GroupNorm(g, boc[-1], eps=1e-6)
        self.conv_out = nn.Conv2d(boc[-1], 2 * cfg.get("latent_channels", 4), 3, padding=1)

    def forward(self, x):
        x = self.conv_in(x)
        for blk in self.down_blocks:
            for r in blk.resnets:
                x = r(x)
            if hasattr(blk, "downsamplers"):
                x = blk.downsamplers[0](x)
        x = self.mid_block(x)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


class Decoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        boc = cfg["block_out_channels"]
        g = cfg.get("norm_num_groups", 32)
        lpb = cfg.get("layers_per_block", 1)
        rev = list(reversed(boc))
        self.conv_in = nn.Conv2d(cfg.get("latent_channels", 4), rev[0], 3, padding=1)
        self.mid_block = VaeMidBlock(rev[0], g)
        self.up_blocks = nn.ModuleList()
        cout = rev[0]
        for i in range(len(rev)):
            cin, cout = cout, rev[i]
            blk = nn.Module()
            blk.resnets = nn.ModuleList([ResnetBlock2D(cin if j == 0 else cout, cout, None, g, 1e-6) for j in range(lpb + 1)])
            if i != len(rev) - 1:
                blk.upsamplers = nn.ModuleList([Upsample2D(cout)])
            self.up_blocks.append(blk)
        self.conv_norm_out = nn.GroupNorm(g, boc[0], eps=1e-6)
        self.conv_out = nn.Conv2d(boc[0], cfg.get("out_channels", 3), 3, padding=1)

    def forward(self, z):
        x = self.mid_block(self.conv_in(z))
        for blk in self.up_blocks:
            for r in blk.resnets:
                x = r(x)
            if hasattr(blk, "upsamplers"):
                x = blk.upsamplers[0](x)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


class AutoencoderKL(nn.Module):
    """diffusers AutoencoderKL (DownEncoderBlock2D/UpDecoderBlock2D, quant convs). No scaling
    factor is applied here: `encode` returns the posterior (mean, logvar) after quant_conv,
    `decode` takes the unscaled latent through post_quant_conv and the decoder."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        lat = config.get("latent_channels", 4)
        self.encoder = Encoder(config)
        self.decoder = Decoder(config)
        self.quant_conv = nn.Conv2d(2 * lat, 2 * lat, 1)
        self.post_quant_conv = nn.Conv2d(lat, lat, 1)

    def encode(self, x):
        mean, logvar = self.quant_conv(self.encoder(x)).chunk(2, dim=1)
        return mean, logvar.clamp(-30.0, 20.0)

    def decode(self, z):
        return self.decoder(self.post_quant_conv(z))


# ----------------------------------------------------------------------------------------------
# CLIPTextModel


class ClipAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def forward(self, x):
        out, _ = _attention(self.q_proj(x), self.k_proj(x), self.v_proj(x), self.heads, causal=True)
        return self.out_proj(out)


class ClipLayer(nn.Module):
    def __init__(self, dim, heads, inner, eps, act):
        super().__init__()
        self.act = act
        self.layer_norm1 = nn.LayerNorm(dim, eps=eps)
        self.self_attn = ClipAttention(dim, heads)
        self.layer_norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = nn.Module()
        self.mlp.fc1 = nn.Linear(dim, inner)
        self.mlp.fc2 = nn.Linear(inner, dim)

    def forward(self, x):
        x = x + self.self_attn(self.layer_norm1(x))
        h = self.mlp.fc1(self.layer_norm2(x))
        h = h * torch.sigmoid(1.702 * h) if self.act == "quick_gelu" else F.gelu(h)
        return x + self.mlp.fc2(h)


class CLIPTextModel(nn.Module):
    """transformers CLIPTextModel (pre-LN, causal attention, learned positions); parameter names
    as transformers 5 saves them (no `text_model.` prefix)."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        d = config["hidden_size"]
        self.embeddings = nn.Module()
        self.embeddings.token_embedding = nn.Embedding(config["vocab_size"], d)
        self.embeddings.position_embedding = nn.Embedding(config.get("max_position_embeddings", 77), d)
        self.encoder = nn.Module()
        eps = config.get("layer_norm_eps", 1e-5)
        self.encoder.layers = nn.ModuleList(
            [
                ClipLayer(d, config["num_attention_heads"], config["intermediate_size"], eps, config.get("hidden_act", "quick_gelu"))
                for _ in range(config["num_hidden_layers"])
            ]
        )
        self.final_layer_norm = nn.LayerNorm(d, eps=eps)

    def forward(self, input_ids):
        """Returns (last_hidden_state, penultimate_hidden_state, pooler_output)."""
        n = input_ids.shape[1]
        pos = torch.arange(n, device=input_ids.device)
        x = self.embeddings.token_embedding(input_ids) + self.embeddings.position_embedding(pos)[None]
        hidden = [x]
        for layer in self.encoder.layers:
            x = layer(x)
            hidden.append(x)
        last = self.final_layer_norm(x)
        eos = self.config.get("eos_token_id", 2)
        if eos == 2:
            idx = input_ids.to(torch.int64).argmax(dim=-1)
        else:
            idx = (input_ids == eos).int().argmax(dim=-1)
        pooled = last[torch.arange(last.shape[0], device=last.device), idx]
        return last, hidden[-2], pooled
