// Registry clients shared by the app's calls (tags, platforms, open, save), one per registry: a bearer token fetched
// to list a repository's tags serves the open that follows, and a loopback registry is probed for TLS once.
import type { RegistryClient } from './registry-client';

/** One RegistryClient per registry, made on first use; `forget` drops one whose credentials changed. */
export class RegistryClients {
  private readonly clients = new Map<string, RegistryClient>();

  constructor(private readonly create: (registry: string) => RegistryClient) {}

  /** The client for `registry` (as named in references: `docker.io`, `localhost:5000`). */
  get(registry: string): RegistryClient {
    let client = this.clients.get(registry);
    if (!client) {
      client = this.create(registry);
      this.clients.set(registry, client);
    }
    return client;
  }

  /** Drops the registry's client: the next call starts with fresh credentials and tokens. */
  forget(registry: string): void {
    this.clients.delete(registry);
  }
}
