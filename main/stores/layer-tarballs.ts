// Loose layer tarballs given in order (what a user drops on the window): each file is one layer,
// base first, with no config. Each layer's digest is the sha256 of its file, computed by one streamed
// pass when the image is opened (so caches can key on it); the media type is guessed by magic bytes.
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { StrataError } from '../../shared/errors';
import type { LayerDescriptor } from '../../shared/model';
import { layerMediaType, rangeDigest, rangeLayer, sniffRange } from './range-layer';
import type { Image, ImageStore, OpenImageOptions } from './types';

const NO_STEP = { createdBy: '', created: '', comment: '', emptyLayer: false } as const;

/** A store over loose layer files, base first. */
export function openLayerTarballs(files: readonly string[]): ImageStore {
  if (files.length === 0) throw new StrataError('usage', 'Name at least one layer file.');
  const name = files.length === 1 ? path.basename(files[0]) : `${path.basename(files[0])} + ${files.length - 1} more layers`;
  let image: Promise<Image> | undefined;
  return {
    kind: 'layer-tarballs',
    location: files.join(', '),
    list: async () => [{ name, id: '', platform: '' }],
    openImage(options: OpenImageOptions = {}): Promise<Image> {
      if (options.image !== undefined && options.image !== name) {
        return Promise.reject(new StrataError('not-found', `${files[0]}: loose layer files hold one image, ${JSON.stringify(name)}.`, { file: files[0] }));
      }
      return (image ??= loadImage(files, name));
    },
    close: async () => undefined,
  };
}

async function loadImage(files: readonly string[], name: string): Promise<Image> {
  const layers = await Promise.all(
    files.map(async (file, index) => {
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) throw new StrataError('not-found', `${file}: no such layer file.`, { file });
      const range = { path: file, offset: 0, length: info.size };
      const [compression, digest] = await Promise.all([sniffRange(range), rangeDigest(range)]);
      const descriptor: LayerDescriptor = {
        index,
        digest,
        diffId: compression === 'none' ? digest : '',
        mediaType: layerMediaType(compression),
        size: info.size,
        step: NO_STEP,
        emptyStepsBefore: [],
      };
      return rangeLayer(descriptor, file, range);
    }),
  );
  return {
    descriptor: { name, id: '', platform: '', created: '', layers: layers.map((l) => l.descriptor), emptyStepsAfter: [], runtimeConfig: '' },
    layers,
  };
}
