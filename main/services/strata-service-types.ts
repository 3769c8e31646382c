// The engine service both transports (Electron IPC and `strata serve`) wrap: the typed API plus events.
import type { Readable } from 'node:stream';
import type { ApiEvent, StrataApi } from '../../shared/api';
import type { CredentialStore } from '../registry/credentials';

/** The API implementation plus what transports need around it. */
export interface StrataService extends StrataApi {
  /** Subscribes to progress events; returns the unsubscribe function. */
  onEvent(listener: (event: ApiEvent) => void): () => void;
  /** Stores an uploaded file (browser drag-and-drop) under the cache dir; returns its upload id. */
  createUpload(fileName: string, body: Readable): Promise<string>;
  /** Cancels jobs, closes stores and worker threads. */
  dispose(): Promise<void>;
}

/** Where the service keeps its files. */
export interface StrataServiceOptions {
  /** Cache root: layer indexes, uploads, recent sources. Nothing is written outside it. */
  readonly cacheDir: string;
  /** The bundled sample image (`dist/sample/strata-sample.tar`). */
  readonly samplePath: string;
  /** Registry logins (safeStorage-backed in Electron); default: kept in memory for this run. */
  readonly credentials?: CredentialStore;
  /** Environment for DOCKER_HOST, DOCKER_CONFIG and DOCKER_CONTEXT (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}
