import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStrataError } from '../../shared/errors';
import { apiHost, familiarName, formatImageReference, isLoopbackRegistry, parseImageReference } from './image-reference';
import { parseWwwAuthenticate } from './www-authenticate';

const D = `sha256:${'ab'.repeat(32)}`;

describe('parseImageReference', () => {
  it('normalises names the way docker does', () => {
    const cases: [string, string][] = [
      ['alpine', 'docker.io/library/alpine:latest'],
      ['alpine:3.20', 'docker.io/library/alpine:3.20'],
      ['library/alpine', 'docker.io/library/alpine:latest'],
      ['index.docker.io/library/alpine', 'docker.io/library/alpine:latest'],
      ['bitnami/redis:7', 'docker.io/bitnami/redis:7'],
      ['ghcr.io/org/app@' + D, `ghcr.io/org/app@${D}`],
      ['ghcr.io/org/app:v1@' + D, `ghcr.io/org/app:v1@${D}`],
      ['localhost:5000/team/api:dev', 'localhost:5000/team/api:dev'],
      ['localhost/app', 'localhost/app:latest'],
      ['127.0.0.1:5000/a/b/c', '127.0.0.1:5000/a/b/c:latest'],
      ['[::1]:5000/app:x', '[::1]:5000/app:x'],
      ['Registry/app', 'Registry/app:latest'],
    ];
    for (const [input, want] of cases) assert.equal(formatImageReference(parseImageReference(input)), want, input);
  });

  it('gives docker.io its API host and the short familiar name back', () => {
    const ref = parseImageReference('alpine:3.20');
    assert.equal(apiHost(ref.registry), 'registry-1.docker.io');
    assert.equal(familiarName(ref), 'alpine:3.20');
    assert.equal(apiHost('ghcr.io'), 'ghcr.io');
    assert.ok(isLoopbackRegistry('localhost:5000') && isLoopbackRegistry('127.0.0.1:1') && isLoopbackRegistry('[::1]:5000'));
    assert.ok(!isLoopbackRegistry('ghcr.io'));
  });

  it('rejects malformed references with one sentence', () => {
    for (const bad of ['', 'app/UPPER', 'alpine:', 'alpine@sha256:abc', 'a//b', 'alpine:bad tag', `a@sha256:${'g'.repeat(64)}`, 'x'.repeat(600)]) {
      assert.throws(() => parseImageReference(bad), (e: unknown) => isStrataError(e) && e.code === 'usage' && /is not a valid image reference/.test(e.message), bad);
    }
  });
});

describe('parseWwwAuthenticate', () => {
  it('reads bearer parameters, quoted commas and several challenges', () => {
    const got = parseWwwAuthenticate(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull,push", Basic realm="x"',
    );
    assert.deepEqual(got, [
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull,push' } },
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
    assert.deepEqual(parseWwwAuthenticate('Basic realm="a \\"q\\""'), [{ scheme: 'basic', params: { realm: 'a "q"' } }]);
    assert.deepEqual(parseWwwAuthenticate(''), []);
  });
});
