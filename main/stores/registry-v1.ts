// The docker-registry v1 storage directory the seed read: `images/<id>/{json,layer,ancestry}` and
// `repositories/<namespace>/<repo>/tag_<name>` (the tag file holds an image id). Each v1 image is one
// layer; its ancestry comes from `ancestry` ([self, parent, …]) or else the `parent` chain of `json`.
import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { StrataError } from '../../shared/errors';
import type { HistoryStep, ImageChoice, LayerDescriptor } from '../../shared/model';
import { MAX_METADATA_BYTES, namesImage, parseSmallJson, pickPlatform, platformString } from './image-config';
import { layerMediaType, rangeDigest, rangeLayer, sniffRange } from './range-layer';
import type { Image, ImageStore, OpenImageOptions } from './types';
import { resolveInside, safeSegment } from './untrusted-paths';

const MAX_ANCESTRY = 1000;
const MAX_LISTED = 10_000;

/** The fields of a v1 image `json` that Strata reads. */
interface V1Json {
  readonly id?: unknown;
  readonly parent?: unknown;
  readonly created?: unknown;
  readonly comment?: unknown;
  readonly os?: unknown;
  readonly architecture?: unknown;
  readonly config?: unknown;
  readonly container_config?: { readonly Cmd?: unknown };
}

interface V1Choice extends ImageChoice {
  readonly names: readonly string[];
}

/** Opens a docker-registry v1 storage directory. */
export async function openRegistryV1(root: string): Promise<ImageStore> {
  let choices: Promise<readonly V1Choice[]> | undefined;
  const load = () => (choices ??= listImages(root));
  return {
    kind: 'registry-v1',
    location: root,
    list: async () => (await load()).map(({ name, id, platform }) => ({ name, id, platform })),
    async openImage(options: OpenImageOptions = {}): Promise<Image> {
      const all = await load();
      const wanted = options.image;
      const named = wanted ? all.filter((c) => namesImage(wanted, c.names, c.id)) : all;
      if (named.length === 0) throw new StrataError('not-found', `${root}: no image named ${JSON.stringify(wanted)}.`, { file: root });
      const choice = pickPlatform(named, options.platform, root);
      return loadImage(root, choice.id, choice.name);
    },
    close: async () => undefined,
  };
}

async function readSmallFile(root: string, relative: string): Promise<Buffer> {
  const full = await resolveInside(root, relative, 'file');
  const info = await stat(full);
  if (info.size > MAX_METADATA_BYTES) {
    throw new StrataError('too-large', `${root}: ${relative} is ${info.size} bytes, over the ${MAX_METADATA_BYTES}-byte metadata limit.`, {
      file: root,
      entry: relative,
    });
  }
  return readFile(full);
}

async function readJson(root: string, id: string): Promise<V1Json> {
  const relative = `images/${id}/json`;
  const value = parseSmallJson(await readSmallFile(root, relative), root, relative);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StrataError('malformed', `${root}: ${relative} is not a JSON object.`, { file: root, entry: relative });
  }
  return value as V1Json;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort().slice(0, MAX_LISTED);
  } catch {
    return [];
  }
}

async function listImages(root: string): Promise<readonly V1Choice[]> {
  const tagged: V1Choice[] = [];
  for (const ns of await listDir(path.join(root, 'repositories'))) {
    for (const repo of await listDir(path.join(root, 'repositories', ns))) {
      for (const tagFile of await listDir(path.join(root, 'repositories', ns, repo))) {
        if (!tagFile.startsWith('tag_')) continue;
        const relative = `repositories/${ns}/${repo}/${tagFile}`;
        const raw = (await readSmallFile(root, relative)).toString('utf8').trim().replace(/^"|"$/g, '');
        const id = safeSegment(raw, root, relative);
        const tag = tagFile.slice(4);
        const full = `${ns}/${repo}:${tag}`;
        const names = ns === 'library' ? [`${repo}:${tag}`, full] : [full];
        tagged.push({ name: names[0], names, id, platform: platformString(toPlatform(await readJson(root, id))) });
      }
    }
  }
  if (tagged.length > 0) return tagged;
  // No tags: every image no other image names as its parent is a top image.
  const names = await listDir(path.join(root, 'images'));
  const isImage = (id: string) => stat(path.join(root, 'images', id, 'json')).then((s) => s.isFile(), () => false);
  const present = await Promise.all(names.map(isImage));
  const ids = names.filter((_, i) => present[i]).map((id) => safeSegment(id, root, 'images/'));
  const jsons = await Promise.all(ids.map((id) => readJson(root, id)));
  const parents = new Set(jsons.map((j) => j.parent));
  const tops = ids.map((id, i) => ({ id, json: jsons[i] })).filter(({ id }) => !parents.has(id));
  if (tops.length === 0) throw new StrataError('not-found', `${root}: holds no v1 image.`, { file: root });
  return tops.map(({ id, json }) => ({ name: id, names: [id], id, platform: platformString(toPlatform(json)) }));
}

function toPlatform(json: V1Json): { os?: string; architecture?: string } {
  return { os: typeof json.os === 'string' ? json.os : undefined, architecture: typeof json.architecture === 'string' ? json.architecture : undefined };
}

/** Ids base first: from `ancestry` when present, else by following `parent`. */
async function ancestryOf(root: string, id: string): Promise<readonly string[]> {
  const relative = `images/${id}/ancestry`;
  const hasAncestry = await stat(path.join(root, relative)).then((s) => s.isFile(), () => false);
  if (hasAncestry) {
    const list = parseSmallJson(await readSmallFile(root, relative), root, relative);
    if (!Array.isArray(list) || list.length === 0 || list[0] !== id || list.length > MAX_ANCESTRY) {
      throw new StrataError('malformed', `${root}: ${relative} must be a JSON list starting with ${id}.`, { file: root, entry: relative });
    }
    const ids = list.map((a, i) => safeSegment(a, root, `${relative} [${i}]`));
    if (new Set(ids).size !== ids.length) throw new StrataError('malformed', `${root}: ${relative} repeats an id.`, { file: root, entry: relative });
    return ids.reverse();
  }
  const chain: string[] = [];
  for (let current: string | undefined = id; current !== undefined; ) {
    if (chain.includes(current) || chain.length >= MAX_ANCESTRY) {
      throw new StrataError('malformed', `${root}: the parent chain of ${id} loops or is too long at ${current}.`, { file: root, entry: `images/${current}/json` });
    }
    chain.push(current);
    const parent: unknown = (await readJson(root, current)).parent;
    current = parent === undefined || parent === null || parent === '' ? undefined : safeSegment(parent, root, `images/${current}/json parent`);
  }
  return chain.reverse();
}

/** The build step of a v1 image: `container_config.Cmd` joined, without the `/bin/sh -c ` and `#(nop) ` prefixes. */
function stepOf(json: V1Json): HistoryStep {
  const cmd = json.container_config?.Cmd;
  const joined = Array.isArray(cmd) ? cmd.filter((c) => typeof c === 'string').join(' ') : '';
  return {
    createdBy: joined.replace(/^\/bin\/sh -c /, '').replace(/^#\(nop\)\s*/, '').trim(),
    created: typeof json.created === 'string' ? json.created : '',
    comment: typeof json.comment === 'string' ? json.comment : '',
    emptyLayer: false,
  };
}

async function loadImage(root: string, id: string, name: string): Promise<Image> {
  const ids = await ancestryOf(root, id);
  const loaded = await Promise.all(
    ids.map(async (layerId) => {
      const json = await readJson(root, layerId);
      const relative = `images/${layerId}/layer`;
      const full = await resolveInside(root, relative, 'layer');
      const range = { path: full, offset: 0, length: (await stat(full)).size };
      const [compression, digest] = await Promise.all([sniffRange(range), rangeDigest(range)]);
      return { json, range, compression, digest, full };
    }),
  );
  const layers = loaded.map(({ json, range, compression, digest, full }, index) => {
    const descriptor: LayerDescriptor = {
      index,
      digest,
      diffId: '',
      mediaType: layerMediaType(compression),
      size: range.length,
      step: stepOf(json),
      emptyStepsBefore: [],
    };
    return rangeLayer(descriptor, full, range);
  });
  const top = loaded[loaded.length - 1].json;
  return {
    descriptor: {
      name,
      id,
      platform: platformString(toPlatform(top)),
      created: typeof top.created === 'string' ? top.created : '',
      layers: layers.map((l) => l.descriptor),
      emptyStepsAfter: [],
      runtimeConfig: top.config === undefined || top.config === null ? '' : JSON.stringify(top.config),
    },
    layers,
  };
}
