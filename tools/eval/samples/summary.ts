/**
 * Rates over many verdicts: per caption variant, the fraction of images with the right
 * background and all correct, the fraction of objects with the right colour, place and shape,
 * mean IoU, mean PSNR and seconds per image.
 */
import type { CaptionVariant, SampleRecord } from './run.js';

/** A count and its fraction. */
export interface Rate {
  readonly hits: number;
  readonly total: number;
  /** hits / total (0 when total is 0). */
  readonly rate: number;
}

/** PSNR of identical images (Infinity) counts as this in means. */
export const PSNR_CAP_DB = 100;

/** The summary of one caption variant. */
export interface VariantSummary {
  readonly variant: CaptionVariant;
  readonly images: number;
  readonly objects: number;
  /** Images whose background is right. */
  readonly background: Rate;
  /** Objects whose colour is present. */
  readonly colour: Rate;
  /** Objects in their cell (null for the variant without positions). */
  readonly place: Rate | null;
  /** Objects of the right shape. */
  readonly shape: Rate;
  /** Images with everything judged right. */
  readonly allCorrect: Rate;
  /** Mean IoU of each object's colour component with its rendered mask (null without positions: the place is free). */
  readonly meanIoU: number | null;
  /** Mean PSNR (dB) of the images against their rendered scenes (each capped at {@link PSNR_CAP_DB}). */
  readonly meanPsnr: number;
  /** Mean generation seconds per image. */
  readonly secondsPerImage: number;
}

function rate(hits: number, total: number): Rate {
  return { hits, total, rate: total === 0 ? 0 : hits / total };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length;
}

/** Summarises the records of one variant. */
export function summarizeVariant(variant: CaptionVariant, records: readonly SampleRecord[]): VariantSummary {
  const mine = records.filter((r) => r.variant === variant);
  const objects = mine.flatMap((r) => r.verdict.objects);
  const judgedPlace = objects.some((o) => o.placeCorrect !== null);
  return {
    variant,
    images: mine.length,
    objects: objects.length,
    background: rate(mine.filter((r) => r.verdict.background.correct).length, mine.length),
    colour: rate(objects.filter((o) => o.colourCorrect).length, objects.length),
    place: judgedPlace ? rate(objects.filter((o) => o.placeCorrect === true).length, objects.length) : null,
    shape: rate(objects.filter((o) => o.shapeCorrect).length, objects.length),
    allCorrect: rate(mine.filter((r) => r.verdict.allCorrect).length, mine.length),
    meanIoU: judgedPlace ? mean(objects.map((o) => o.iou)) : null,
    meanPsnr: mean(mine.map((r) => Math.min(PSNR_CAP_DB, r.verdict.psnr))),
    secondsPerImage: mean(mine.map((r) => r.seconds)),
  };
}

/** Summaries of every variant present in `records`, in first-seen order. */
export function summarize(records: readonly SampleRecord[]): VariantSummary[] {
  const variants = [...new Set(records.map((r) => r.variant))];
  return variants.map((v) => summarizeVariant(v, records));
}
