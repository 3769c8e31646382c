// Display formatting shared by the CLI and the renderer.
import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { countOf, formatBytes, formatMode, shortDigest, trimBuildStep } from './format';

describe('format', () => {
  it('trims builder noise from build steps, classic and BuildKit', () => {
    assert.equal(trimBuildStep('/bin/sh -c #(nop)  CMD ["sh"]'), 'CMD ["sh"]');
    assert.equal(trimBuildStep('/bin/sh -c apk add --no-cache curl'), 'RUN apk add --no-cache curl');
    assert.equal(trimBuildStep('RUN /bin/sh -c chmod +x /app/server.js # buildkit'), 'RUN chmod +x /app/server.js');
    assert.equal(trimBuildStep('|2 VERSION=1.2 ARCH=amd64 /bin/sh -c make install'), 'RUN make install');
    assert.equal(trimBuildStep('COPY app/ /app/ # buildkit'), 'COPY app/ /app/');
    assert.equal(trimBuildStep('ENV A=1'), 'ENV A=1');
  });

  it('formats sizes, modes and digests', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatMode(0o755), 'rwxr-xr-x');
    assert.equal(formatMode(0o4755), 'rwsr-xr-x');
    assert.equal(formatMode(0o1777), 'rwxrwxrwt');
    assert.equal(shortDigest(`sha256:${'ab'.repeat(32)}`), 'sha256:abababababab');
  });
});

test('countOf: singular only for exactly one', () => {
  assert.equal(countOf(1, 'group'), '1 group');
  assert.equal(countOf(0, 'group'), '0 groups');
  assert.equal(countOf(1200, 'file'), '1,200 files');
});
