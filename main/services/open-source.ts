// Turns what the user asked to open (a SourceSpec, or a CLI argument list) into an ImageStore.
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { SourceSpec } from '../../shared/api';
import { StrataError } from '../../shared/errors';
import { openLayerTarballs, openLocalStore } from '../stores/detect';
import type { CredentialLookup } from '../registry/credentials';
import type { RegistryClients } from '../registry/registry-clients';
import { openReferenceStore } from '../stores/remote-store-factory';
import type { ImageStore } from '../stores/types';

/** Where sources that are not plain paths live. */
export interface SourceContext {
  readonly samplePath: string;
  /** Directory holding browser uploads (`<cache>/uploads`); upload ids resolve only inside it. */
  readonly uploadsDir: string;
  /** Registry logins tried before docker's config.json. */
  readonly credentials?: CredentialLookup;
  /** Environment for DOCKER_HOST, DOCKER_CONFIG and DOCKER_CONTEXT (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The app's shared registry clients (tokens reused across calls); default: a new client per open. */
  readonly clients?: RegistryClients;
}

/** Opens the store a SourceSpec names. */
export async function openSourceSpec(spec: SourceSpec, context: SourceContext): Promise<ImageStore> {
  switch (spec.kind) {
    case 'path':
      return openLocalStore(spec.path);
    case 'layer-files':
      return spec.paths.length === 1 ? openLocalStore(spec.paths[0]) : openLayerTarballs(spec.paths);
    case 'uploads': {
      const files = spec.uploads.map((id) => uploadPath(context.uploadsDir, id));
      return files.length === 1 ? openLocalStore(files[0]) : openLayerTarballs(files);
    }
    case 'sample':
      if (!existsSync(context.samplePath)) {
        throw new StrataError('not-found', `The sample image ${context.samplePath} is missing: run \`npm run sample\`.`, {
          file: context.samplePath,
        });
      }
      return openLocalStore(context.samplePath);
    case 'reference':
      return openReferenceStore(spec.ref, { credentials: context.credentials, env: context.env, clients: context.clients });
  }
}

/** The stored file of an upload id: the one file inside `<uploadsDir>/<id>/`, named like the dropped file. */
export function uploadPath(uploadsDir: string, id: string): string {
  const dir = path.join(uploadsDir, id);
  const files = /^[A-Za-z0-9_-]{1,64}$/.test(id) && existsSync(dir) ? readdirSync(dir) : [];
  if (files.length !== 1) throw new StrataError('not-found', `Unknown upload ${JSON.stringify(id)}.`);
  return path.join(dir, files[0]);
}

/** A dropped file's name made safe to store: its base name with anything unusual replaced. */
export function safeUploadName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_').slice(0, 200);
  return cleaned || 'upload';
}

/**
 * Reads CLI source arguments: one path (archive, layout, v1 store, or a single layer), several paths
 * (loose layer tarballs, base first), `docker://NAME` (the local engine) or a registry reference.
 */
export function sourceSpecFromArgs(args: readonly string[], cwd: string): SourceSpec {
  if (args.length === 0) throw new StrataError('usage', 'Name an image source: a path, several layer tarballs, or a reference.');
  if (args.length > 1) return { kind: 'layer-files', paths: args.map((a) => path.resolve(cwd, a)) };
  const arg = args[0];
  const local = path.resolve(cwd, arg);
  if (arg.startsWith('docker://') || (!existsSync(local) && looksLikeReference(arg))) return { kind: 'reference', ref: arg };
  return { kind: 'path', path: local };
}

function looksLikeReference(arg: string): boolean {
  return /^[a-z0-9]([a-z0-9._:/@-]*[a-zA-Z0-9_])?$/.test(arg) && !arg.startsWith('.') && !arg.includes('//');
}
