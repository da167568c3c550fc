/** Stable Diffusion 1.5 architecture configs (diffusers / transformers defaults), for benchmarks with random weights. */

export const SD15_UNET = {
  _class_name: 'UNet2DConditionModel',
  in_channels: 4,
  out_channels: 4,
  block_out_channels: [320, 640, 1280, 1280],
  down_block_types: ['CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'DownBlock2D'],
  up_block_types: ['UpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D'],
  layers_per_block: 2,
  attention_head_dim: 8,
  cross_attention_dim: 768,
  norm_num_groups: 32,
  sample_size: 64,
};

export const SD15_VAE = {
  _class_name: 'AutoencoderKL',
  in_channels: 3,
  out_channels: 3,
  latent_channels: 4,
  block_out_channels: [128, 256, 512, 512],
  down_block_types: ['DownEncoderBlock2D', 'DownEncoderBlock2D', 'DownEncoderBlock2D', 'DownEncoderBlock2D'],
  up_block_types: ['UpDecoderBlock2D', 'UpDecoderBlock2D', 'UpDecoderBlock2D', 'UpDecoderBlock2D'],
  layers_per_block: 2,
  norm_num_groups: 32,
  sample_size: 512,
  scaling_factor: 0.18215,
};

export const SD15_TEXT_ENCODER = {
  architectures: ['CLIPTextModel'],
  hidden_size: 768,
  intermediate_size: 3072,
  num_attention_heads: 12,
  num_hidden_layers: 12,
  max_position_embeddings: 77,
  vocab_size: 49408,
  hidden_act: 'quick_gelu',
  layer_norm_eps: 1e-5,
  bos_token_id: 0,
  eos_token_id: 2,
  pad_token_id: 1,
};

/** docs/design.md §8 anchors (H100, SD 1.5, fp16, 64×64 latents), milliseconds. */
export const ANCHORS_H100_MS = {
  unetBatch1Fused: 9.3,
  unetBatch2Fused: 11.7,
  unetBatch4Fused: 14.2,
  unetBatch2DiffusersEager: 42.4,
  unetBatch4DiffusersP2P: 49.9,
  vaeDecode512: 23.7,
  vaeEncode512: 12.0,
  textEncoderBatch2: 7.1,
  /** Targets from the GPU issue. */
  targetUnetBatch2: 11.7,
  targetControlledBatch4: 17,
  targetEditEndToEnd: 1300,
} as const;

/** docs/design.md §8 target for GPU memory while the UNet runs at batch 4, MiB (8 GB). */
export const TARGET_GPU_MEMORY_BATCH4_MIB = 8192;
