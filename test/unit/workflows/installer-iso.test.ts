import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImageRef } from '../../../src/core/image-ref.ts';
import type { Recipe } from '../../../src/recipe/schema.ts';
import { followedImage } from '../../../src/workflows/installer-iso.ts';

const recipe = (update?: Recipe['update']) => ({ update }) as Recipe;
const registry: ImageRef = { transport: 'docker', path: 'registry.example/debian-atomic:13' };
const archive: ImageRef = { transport: 'oci-archive', path: '/b/minimal.ociarchive' };

test('an ISO’s installed system follows --target-imgref, else update.image, else its registry image', () => {
  assert.equal(
    followedImage({
      targetImgref: 'other.example/x:1',
      recipe: recipe({ image: 'r.example/y:2' }),
      image: registry,
    }),
    'other.example/x:1',
  );
  assert.equal(
    followedImage({ recipe: recipe({ image: 'r.example/y:2' }), image: registry }),
    'r.example/y:2',
  );
  assert.equal(
    followedImage({ recipe: recipe(), image: registry }),
    'registry.example/debian-atomic:13',
  );
  // A local archive has no name the installed system could pull; update.url follows a remote.
  assert.equal(followedImage({ recipe: recipe(), image: archive }), undefined);
  assert.equal(
    followedImage({ recipe: recipe({ url: 'https://updates.example/repo' }), image: registry }),
    undefined,
  );
});

test('a registry name the installed system could not pull is not followed', () => {
  const short: ImageRef = { transport: 'docker', path: 'debian:13' };
  assert.equal(followedImage({ recipe: recipe(), image: short }), undefined);
});
