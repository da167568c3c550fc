/**
 * LCM guidance-scale embedding (Luo et al. 2023; diffusers `get_guidance_scale_embedding`):
 * w' = (w − 1)·1000, emb = [sin(w' f_i), cos(w' f_i)] with f_i = exp(−i · ln(10⁴)/(half − 1)).
 */
export function guidanceScaleEmbedding(guidance: number, dim: number): Float32Array {
  const w = (guidance - 1) * 1000;
  const half = Math.floor(dim / 2);
  const out = new Float32Array(dim);
  const scale = Math.log(10000) / (half - 1);
  for (let i = 0; i < half; i++) {
    const v = w * Math.exp(-scale * i);
    out[i] = Math.sin(v);
    out[half + i] = Math.cos(v);
  }
  return out;
}
