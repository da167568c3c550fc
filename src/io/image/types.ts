/**
 * Image types shared by both image backends (sharp, jimp) and the tensor conversions.
 *
 * A {@link RasterImage} is decoded pixels as they are meant to be displayed: interleaved samples,
 * top-left origin, EXIF orientation already applied, in the file's own channel layout and bit depth
 * wherever the backend can keep them (see each backend's TSDoc for what it cannot).
 */

/** Samples per pixel: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA. */
export type ChannelCount = 1 | 2 | 3 | 4;

/** Bits per sample. */
export type BitDepth = 8 | 16;

/** Formats the header sniffer recognises. */
export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'bmp' | 'tiff';

/** Formats the backends can write. */
export type ImageOutputFormat = 'png' | 'jpeg' | 'webp';

/** Backend names. */
export type ImageBackendName = 'sharp' | 'jimp';

/** Resampling kernels offered by {@link ImageBackend.resize}. */
export type ResizeKernel = 'lanczos3' | 'bicubic' | 'nearest';

/** Size, channel layout and bit depth of an image (what a {@link RasterImage} has besides its samples). */
export interface PixelLayout {
  readonly width: number;
  readonly height: number;
  readonly channels: ChannelCount;
  readonly bitDepth: BitDepth;
}

/** Decoded pixels. */
export interface RasterImage {
  readonly width: number;
  readonly height: number;
  /** 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA (alpha is straight, not premultiplied). */
  readonly channels: ChannelCount;
  readonly bitDepth: BitDepth;
  /** `width · height · channels` samples, row-major, interleaved; Uint8Array for 8-bit, Uint16Array for 16-bit. */
  readonly data: Uint8Array | Uint16Array;
  /** Where the pixels came from, when known. */
  readonly source?: { readonly path?: string; readonly format?: string };
}

/** Options of {@link ImageBackend.decode}. */
export interface DecodeOptions {
  /** Largest accepted `width · height`; checked from the header before any pixel is decoded. */
  readonly maxPixels: number;
  /** Names the data in error messages (usually the file path). */
  readonly label?: string;
}

/** Options of {@link ImageBackend.encode}; what applies depends on the format. */
export type EncodeOptions =
  | {
      readonly format: 'png';
      /** Written as tEXt chunks (iTXt when a value is not Latin-1) right after IHDR. */
      readonly pngText?: Readonly<Record<string, string>>;
    }
  | {
      readonly format: 'jpeg';
      /** 1..100 (default 92). Alpha is flattened onto white; 16-bit is reduced to 8-bit. */
      readonly quality?: number;
    }
  | {
      readonly format: 'webp';
      /** 1..100 (default 92); ignored when `lossless`. 16-bit is reduced to 8-bit. */
      readonly quality?: number;
      readonly lossless?: boolean;
    };

/**
 * Decoding, encoding and resizing behind one interface. Operations never modify their input.
 * Errors on bad input are `RepriseError`s with code `RUNTIME_INPUT` naming `label`.
 */
export interface ImageBackend {
  readonly name: ImageBackendName;
  /** Decodes an encoded image, applying EXIF orientation; checks the pixel cap before decoding. */
  decode(bytes: Uint8Array, opts: DecodeOptions): Promise<RasterImage>;
  /** Encodes an image; the channel layout and bit depth are kept where the format and backend allow. */
  encode(img: RasterImage, opts: EncodeOptions): Promise<Uint8Array>;
  /** Resizes to exactly `width × height` (aspect ratio not kept), same channels and bit depth. */
  resize(img: RasterImage, width: number, height: number, kernel: ResizeKernel): Promise<RasterImage>;
  /**
   * Draws an SVG document (the image's size) over the image; present only where the backend can
   * render SVG (sharp). Same channels and bit depth out.
   */
  overlaySvg?(img: RasterImage, svg: string): Promise<RasterImage>;
}
