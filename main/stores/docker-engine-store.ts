// An ImageStore over one image of the local Docker engine (or Podman's compatible socket). Opening
// streams the engine's export (`GET /images/{name}/get`) once through the streaming docker-save reader:
// every layer is indexed as it passes, so analysis needs no second read; `Layer.open()` (for saving)
// streams the export again and extracts that layer's member, verified against its digest.
import type { Readable } from 'node:stream';
import { StrataError } from '../../shared/errors';
import type { ImageChoice } from '../../shared/model';
import { DigestVerifier } from '../registry/digest-verifier';
import { DockerEngineClient, describeEndpoint, resolveEngineEndpoint } from '../registry/docker-engine-client';
import { readDockerSaveStream, extractMember } from './docker-save-stream';
import { describeImage, namesImage, parseConfig, parseDockerSaveManifest, platformString } from './image-config';
import { layerMediaType } from './range-layer';
import type { Image, ImageStore, Layer } from './types';
import { safeRelativePath } from './untrusted-paths';

/** Options of `DockerEngineStore.open`. */
export interface DockerEngineStoreOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal;
}

/** One engine image (by name or id) as an ImageStore. */
export class DockerEngineStore implements ImageStore {
  readonly kind = 'docker-engine' as const;
  readonly location: string;

  private constructor(
    private readonly client: DockerEngineClient,
    private readonly name: string,
    private readonly choice: ImageChoice,
  ) {
    this.location = `docker://${name}`;
  }

  /** Finds the engine and checks the image exists (a clear error when the engine or image is absent). */
  static async open(name: string, options: DockerEngineStoreOptions = {}): Promise<DockerEngineStore> {
    if (!name || name.length > 512) throw new StrataError('usage', 'Name a Docker engine image: docker://NAME[:TAG] or docker://ID.');
    const client = new DockerEngineClient(await resolveEngineEndpoint(options.env));
    const info = await client.inspectImage(name, options.signal).catch((error: unknown) => {
      if (error instanceof StrataError && error.code === 'not-found') {
        throw new StrataError('not-found', `The Docker engine at ${describeEndpoint(client.endpoint)} has no image ${JSON.stringify(name)}.`, {
          file: `docker://${name}`,
        });
      }
      throw error;
    });
    const platform = platformString({
      os: typeof info.Os === 'string' ? info.Os : undefined,
      architecture: typeof info.Architecture === 'string' ? info.Architecture : undefined,
      variant: typeof info.Variant === 'string' ? info.Variant : undefined,
    });
    return new DockerEngineStore(client, name, { name, id: String(info.Id ?? ''), platform });
  }

  async list(): Promise<readonly ImageChoice[]> {
    return [this.choice];
  }

  async openImage(): Promise<Image> {
    const where = this.location;
    const save = await readDockerSaveStream(await this.client.exportImage(this.name), where);
    const manifestBytes = save.metadata.get('manifest.json');
    if (!manifestBytes) throw new StrataError('malformed', `${where}: the engine's export has no manifest.json.`, { file: where });
    const manifest = parseDockerSaveManifest(manifestBytes, where, 'manifest.json');
    const entry =
      manifest.length === 1 ? manifest[0] : manifest.find((m) => namesImage(this.name, m.RepoTags ?? [], '')) ?? manifest[0];
    if (!entry) throw new StrataError('malformed', `${where}: manifest.json lists no image.`, { file: where, entry: 'manifest.json' });
    const configName = safeRelativePath(entry.Config, where, 'manifest.json Config');
    const configBytes = save.metadata.get(configName);
    if (!configBytes) throw new StrataError('malformed', `${where}: the export lacks the config ${configName}.`, { file: where, entry: configName });
    const config = parseConfig(configBytes, where, configName);
    const members = entry.Layers.map((l, i) => safeRelativePath(l, where, `manifest.json Layers[${i}]`));
    const streamed = members.map((m) => {
      const found = save.layers.get(m);
      if (!found) throw new StrataError('malformed', `${where}: the export lacks the layer ${m}.`, { file: where, entry: m });
      return found;
    });
    const descriptor = describeImage(
      config,
      streamed.map((s) => ({ digest: s.digest, size: s.size, mediaType: layerMediaType(s.index.compression) })),
      { name: this.name, id: this.choice.id },
      { file: where, entry: configName },
    );
    const { client, name } = this;
    const layers: Layer[] = descriptor.layers.map((layer, i) => ({
      descriptor: layer,
      name: `${where}!${members[i]}`,
      lazyIndex: async () => streamed[i].index,
      async open(signal?: AbortSignal): Promise<Readable> {
        const member = extractMember(await client.exportImage(name, signal), members[i], where);
        const verifier = new DigestVerifier(layer.digest, layer.size, `${where}!${members[i]}`);
        member.on('error', (error) => verifier.destroy(error));
        verifier.on('close', () => member.destroy());
        return member.pipe(verifier);
      },
      verifiedStream: true,
    }));
    return { descriptor, layers };
  }

  async close(): Promise<void> {}
}
