import { describe, expect, it } from 'vitest';
import { jsonPatch, matchesSelector, mergePatch, seedDeploymentHistory, startFakeKubeApi, strategicMergePatch } from '../../../../local/fake-kube-api.js';

/** The fake Kubernetes API itself: its patch semantics, selectors and controller, which the executor tests rely on. */

describe('fake Kubernetes API patches', () => {
  it('applies JSON Patch add, replace, remove and test, with escaped pointers', () => {
    // Act
    const result = jsonPatch({ metadata: { annotations: { a: '1' } }, list: [1, 2] }, [
      { op: 'test', path: '/metadata/annotations/a', value: '1' },
      { op: 'add', path: '/metadata/annotations/x~1y', value: 'z' },
      { op: 'replace', path: '/list/0', value: 9 },
      { op: 'add', path: '/list/-', value: 3 },
      { op: 'remove', path: '/metadata/annotations/a' },
    ]);

    // Assess
    expect(result).toEqual({ metadata: { annotations: { 'x/y': 'z' } }, list: [9, 2, 3] });
    expect(() => jsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(/test operation failed/);
    expect(() => jsonPatch({}, [{ op: 'replace', path: '/missing', value: 1 }])).toThrow(/does not exist/);
  });

  it('applies a merge patch: maps merge, null deletes, lists are replaced', () => {
    // Act & Assess
    expect(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null, d: 3 }, l: [3] })).toEqual({ a: { c: 2, d: 3 }, l: [3] });
  });

  it('applies a strategic merge: containers merge by name, $patch: replace replaces', () => {
    // Prepare
    const target = { containers: [{ name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }] }, { name: 'b', image: 'b:1' }] };

    // Act & Assess
    expect(strategicMergePatch(target, { containers: [{ name: 'a', image: 'a:2' }] })).toEqual({
      containers: [{ name: 'a', image: 'a:2', env: [{ name: 'X', value: '1' }] }, { name: 'b', image: 'b:1' }],
    });
    expect(strategicMergePatch({ m: { a: 1, b: 2 } }, { m: { $patch: 'replace', c: 3 } })).toEqual({ m: { c: 3 } });
  });

  it.each([
    ['app=web', true],
    ['app==web,tier=front', true],
    ['app!=web', false],
    ['app in (web,api)', true],
    ['app notin (web)', false],
    ['tier', true],
    ['!canary', true],
    ['canary', false],
  ])('matches the selector %s: %s', (selector, matches) => {
    // Act & Assess
    expect(matchesSelector({ app: 'web', tier: 'front' }, selector)).toBe(matches);
  });
});

describe('fake Deployment controller', () => {
  it('gives a new template a ReplicaSet and the next revision, and an old template its ReplicaSet back', async () => {
    // Prepare
    const fake = await startFakeKubeApi();
    try {
      seedDeploymentHistory(fake, { namespace: 'shop', name: 'web', images: ['web:1', 'web:2'] });
      const revisionOf = () => fake.get('deployments', 'shop', 'web')?.metadata.annotations['deployment.kubernetes.io/revision'];
      const setImage = (image: string) =>
        fake.update('deployments', 'shop', 'web', (object) => (object.spec.template.spec.containers[0].image = image));

      // Act & Assess
      setImage('web:3');
      expect(revisionOf()).toBe('3');
      expect(fake.get('deployments', 'shop', 'web')?.metadata.generation).toBe(3);
      setImage('web:1');
      expect(revisionOf()).toBe('4');
      const owned = fake.list('replicasets', 'shop').filter((rs) => rs.metadata.ownerReferences[0].uid === 'deployment-shop-web');
      expect(owned.map((rs) => [rs.spec.template.spec.containers[0].image, rs.metadata.annotations['deployment.kubernetes.io/revision']]).sort()).toEqual([
        ['web:1', '4'],
        ['web:2', '2'],
        ['web:3', '3'],
      ]);
    } finally {
      await fake.stop();
    }
  });
});
