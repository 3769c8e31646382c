import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { registryHost, registryOnly, repositoryOf, suggestedSaveName } from './registry-host';

describe('registry host of typed text', () => {
  it('reads a bare host, host:port or trailing slash as a registry to browse, and repositories as not', () => {
    const cases: [string, string | null][] = [
      ['localhost:5000', 'localhost:5000'],
      ['127.0.0.1:5000/', '127.0.0.1:5000'],
      [' http://127.0.0.1:5000/ ', '127.0.0.1:5000'],
      ['ghcr.io', 'ghcr.io'],
      ['[::1]:5000', '[::1]:5000'],
      ['alpine', null],
      ['alpine:3.20', null],
      ['alpine:3', null],
      ['localhost:5000/app', null],
      ['localhost:5000/app:v1', null],
      ['ghcr.io/o/a@sha256:abc', null],
    ];
    for (const [text, expected] of cases) assert.equal(registryOnly(text), expected, text);
  });

  it('splits references the way docker does', () => {
    assert.equal(registryHost('alpine:3.20'), 'docker.io');
    assert.equal(registryHost('localhost:5000/team/api:dev'), 'localhost:5000');
    assert.equal(repositoryOf('localhost:5000/team/api:dev'), 'localhost:5000/team/api');
    assert.equal(repositoryOf('ghcr.io/o/a@sha256:abc'), 'ghcr.io/o/a');
  });

  it('suggests a safe file or folder name to save an image under', () => {
    assert.equal(suggestedSaveName('ghcr.io/org/app:v1', 'oci'), 'app-v1');
    assert.equal(suggestedSaveName('docker://alpine:3.20', 'docker-archive'), 'alpine-3.20.tar');
    assert.equal(suggestedSaveName(`localhost:5000/a/b@sha256:${'0123456789ab'.repeat(5)}abcd`, 'oci'), 'b-0123456789ab');
    assert.equal(suggestedSaveName('docker://sha256:4bc9', 'oci'), 'sha256-4bc9');
    assert.equal(suggestedSaveName('...', 'oci'), 'image');
  });
});
