/**
 * Image I/O: decoding/encoding behind one backend interface (sharp, with jimp as the pure-JS
 * fallback), header sniffing with a pixel cap, PNG text metadata, conversion to and from model
 * tensors with exact residuals, and heatmap/grid visualisations.
 */
export type {
  BitDepth,
  ChannelCount,
  DecodeOptions,
  EncodeOptions,
  ImageBackend,
  ImageBackendName,
  ImageFormat,
  ImageOutputFormat,
  PixelLayout,
  RasterImage,
  ResizeKernel,
} from './types.js';
export { assertRaster, createRaster, flattenAlpha, maxSampleValue, toBitDepth8, toRgba8 } from './raster.js';
export { parseImageHeader, readImageHeader, orientedSize } from './header.js';
export type { HeaderResult, ImageHeader, StoredColour } from './header.js';
export type { ExifOrientation } from './tiff-ifd.js';
export { applyOrientation } from './orientation.js';
export { insertPngText, readPngText } from './png-text.js';
export { getImageBackend, getImageBackendSelection, probeImageBackends, selectImageBackend, defaultBackendLoaders } from './backend.js';
export type { BackendAvailability, BackendLoaders, BackendSelection, ImageBackendReport, LoadedBackend } from './backend.js';
export { DEFAULT_MAX_PIXELS, readImage, writeImage } from './read-write.js';
export type { ReadImageOptions, WriteImageOptions, WrittenImage } from './read-write.js';
export { resampleFloat } from './resample.js';
export type { ResampleKernel } from './resample.js';
export { resizeRaster } from './raster-resize.js';
export { planGeometry } from './model-geometry.js';
export type { GeometryOptions, GeometryPlan, Rect, ResizePolicy } from './model-geometry.js';
export { maskToOriginal, prepareForModel, quantize, restoreFromModel } from './tensor.js';
export type { AlphaHandling, ModelTransform, PrepareOptions, PreparedImage } from './tensor.js';
export { applyResidual, applyResidualMasked, pixelResidual } from './residual.js';
export { colormap } from './colormap.js';
export type { ColormapName } from './colormap.js';
export { GRID_LABEL_HEIGHT, heatmapOverlay, imageGrid } from './heatmap.js';
export type { GridOptions, HeatmapOptions } from './heatmap.js';
