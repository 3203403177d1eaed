import { describe, expect, it } from 'vitest';
import { describeApplied, describeUndo } from '../../../lambdas/act-on-eks/describe-eks-change.js';

const images = (...pairs: [string, string][]) => pairs.map(([container, image]) => ({ container, image }));

describe('describeApplied', () => {
  it('names the revisions and the images a rollback went back to', () => {
    // Act
    const change = describeApplied(
      'rollbackEksDeployment',
      { namespace: 'shop', deployment: 'checkout', revision: 3 },
      { fromRevision: 3, toRevision: 2, images: images(['checkout', 'registry/checkout:1.4.2'], ['sidecar', 'envoy:1.30']) },
    );

    // Assess
    expect(change).toEqual({
      changed: true,
      summary: 'rolled shop/checkout back from revision 3 to 2 (checkout=registry/checkout:1.4.2, sidecar=envoy:1.30)',
    });
  });

  it('says when a restart happened', () => {
    // Act
    const change = describeApplied('restartEksDeployment', { namespace: 'shop', deployment: 'checkout' }, { restartedAt: '2026-11-27T10:05:00Z' });

    // Assess
    expect(change).toEqual({ changed: true, summary: 'restarted shop/checkout at 2026-11-27T10:05:00Z' });
  });

  it('says whether a patched key was set or absent before, without the values', () => {
    // Act
    const set = describeApplied(
      'patchEksConfigMap',
      { configMap: { namespace: 'shop', configMap: 'checkout-config', key: 'DB_POOL_SIZE', previous: { present: true, value: '5' } } },
      { configMap: { key: 'DB_POOL_SIZE', value: '20' } },
    );
    const absent = describeApplied(
      'patchEksConfigMap',
      { configMap: { namespace: 'shop', configMap: 'checkout-config', key: 'DB_POOL_SIZE', previous: { present: false } } },
      { configMap: { key: 'DB_POOL_SIZE', value: '20' } },
    );

    // Assess
    expect(set).toEqual({ changed: true, summary: 'set DB_POOL_SIZE in ConfigMap shop/checkout-config (was set)' });
    expect(absent.summary).toBe('set DB_POOL_SIZE in ConfigMap shop/checkout-config (was absent)');
    expect(set.summary).not.toContain('20');
  });

  it('adds the restart that followed a patch', () => {
    // Act
    const change = describeApplied(
      'patchEksConfigMap',
      { configMap: { namespace: 'shop', configMap: 'checkout-config', previous: { present: true, value: '5' } }, deployment: { namespace: 'shop', deployment: 'checkout' } },
      { configMap: { key: 'DB_POOL_SIZE', value: '20' }, restart: { restartedAt: '2026-11-27T10:05:00Z' } },
    );

    // Assess
    expect(change.summary).toBe('set DB_POOL_SIZE in ConfigMap shop/checkout-config (was set), then restarted checkout');
  });
});

describe('describeUndo', () => {
  it('names the images a rollback was rolled forward to', () => {
    // Act
    const undo = describeUndo('rollbackEksDeployment', { undone: true, images: images(['checkout', 'registry/checkout:1.5.0']) });

    // Assess
    expect(undo).toEqual({ undone: true, inPlace: false, summary: 'rolled forward to the revision live before the rollback (checkout=registry/checkout:1.5.0)' });
  });

  it("passes on the executor's reason when there was nothing to undo", () => {
    // Act
    const undo = describeUndo('rollbackEksDeployment', { undone: false, reason: 'shop/checkout already runs the template that was live before the rollback; nothing to undo' });

    // Assess
    expect(undo).toEqual({ undone: false, inPlace: false, summary: 'shop/checkout already runs the template that was live before the rollback; nothing to undo' });
  });

  it('says a restart had nothing to undo', () => {
    // Act
    const undo = describeUndo('restartEksDeployment', { undone: false, reason: 'A restart changes no configuration of shop/checkout; there is nothing to undo.' });

    // Assess
    expect(undo.undone).toBe(false);
    expect(undo.summary).toContain('there is nothing to undo');
  });

  it('reads a patch undo from its ConfigMap part, and mentions the restart', () => {
    // Act
    const restored = describeUndo('patchEksConfigMap', { configMap: { undone: true, key: 'DB_POOL_SIZE', restored: 'previous value' }, restart: { restartedAt: '2026-11-27T10:20:00Z' } });
    const removed = describeUndo('patchEksConfigMap', { configMap: { undone: true, key: 'DB_POOL_SIZE', restored: 'key removed' } });
    const nothing = describeUndo('patchEksConfigMap', { configMap: { undone: false, reason: 'key DB_POOL_SIZE already has its previous value' } });

    // Assess
    expect(restored).toEqual({ undone: true, inPlace: false, summary: 'restored key DB_POOL_SIZE (previous value) and restarted the Deployment' });
    expect(removed).toEqual({ undone: true, inPlace: false, summary: 'restored key DB_POOL_SIZE (key removed)' });
    expect(nothing).toEqual({ undone: false, inPlace: false, summary: 'key DB_POOL_SIZE already has its previous value' });
  });

  it('falls back to "nothing to undo" when the executor gave no reason', () => {
    expect(describeUndo('rollbackEksDeployment', {})).toEqual({ undone: false, inPlace: false, summary: 'nothing to undo' });
  });
});
