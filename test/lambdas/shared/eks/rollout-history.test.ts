import * as k8s from '@kubernetes/client-node';
import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { DeploymentPausedError, NoPreviousRevisionError } from '../../../../lambdas/shared/eks/eks-errors.js';
import {
  chooseRollbackTarget,
  currentRevision,
  imagesOf,
  ownedReplicaSets,
  sameTemplate,
  selectorString,
  withoutTemplateHash,
} from '../../../../lambdas/shared/eks/rollout-history.js';

const UID = 'dep-uid';

function template(image: string, hash?: string) {
  return {
    metadata: { labels: { app: 'web', ...(hash ? { 'pod-template-hash': hash } : {}) } },
    spec: { containers: [{ name: 'web', image }] },
  };
}

function deployment(revision: string | undefined, image: string, extra: Partial<NonNullable<V1Deployment['spec']>> = {}): V1Deployment {
  return {
    metadata: { name: 'web', namespace: 'shop', uid: UID, ...(revision ? { annotations: { 'deployment.kubernetes.io/revision': revision } } : {}) },
    spec: { selector: { matchLabels: { app: 'web' } }, template: template(image), ...extra },
  };
}

function replicaSet(revision: number | string, image: string, owner = UID): V1ReplicaSet {
  const hash = `h${revision}`;
  return {
    metadata: {
      name: `web-${hash}`,
      annotations: { 'deployment.kubernetes.io/revision': String(revision) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: owner, controller: true }],
    },
    spec: { selector: { matchLabels: { app: 'web' } }, template: template(image, hash) },
  };
}

describe('chooseRollbackTarget', () => {
  it('picks the highest revision below the live one and strips pod-template-hash', () => {
    // Prepare
    const history = [replicaSet(1, 'web:1'), replicaSet(3, 'web:3'), replicaSet(2, 'web:2'), replicaSet(4, 'web:4')];

    // Act
    const target = chooseRollbackTarget(deployment('4', 'web:4'), history);

    // Assess
    expect(target).toEqual({
      fromRevision: 4,
      toRevision: 3,
      replicaSet: 'web-h3',
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:3' }] } },
      images: [{ container: 'web', image: 'web:3' }],
    });
  });

  it('skips gaps in the numbering (revisions renumbered by earlier rollbacks)', () => {
    // Act
    const target = chooseRollbackTarget(deployment('7', 'web:b'), [replicaSet(2, 'web:a'), replicaSet(7, 'web:b')]);

    // Assess
    expect(target.toRevision).toBe(2);
  });

  it('ignores ReplicaSets another controller owns, even with a higher revision', () => {
    // Act
    const target = chooseRollbackTarget(deployment('2', 'web:2'), [replicaSet(1, 'web:1'), replicaSet(2, 'web:2'), replicaSet(9, 'evil', 'other')]);

    // Assess
    expect(target.toRevision).toBe(1);
  });

  it('never picks a revision above the live one', () => {
    // Act & Assess: the Deployment is at 2 while a stale ReplicaSet claims 3
    expect(chooseRollbackTarget(deployment('2', 'web:2'), [replicaSet(1, 'web:1'), replicaSet(2, 'web:2'), replicaSet(3, 'web:3')]).toRevision).toBe(1);
  });

  it('falls back to the newest ReplicaSet when the Deployment carries no revision yet', () => {
    // Act & Assess
    expect(chooseRollbackTarget(deployment(undefined, 'web:2'), [replicaSet(1, 'web:1'), replicaSet(2, 'web:2')])).toMatchObject({ fromRevision: 2, toRevision: 1 });
  });

  it('refuses when there is no earlier revision', () => {
    // Act & Assess
    expect(() => chooseRollbackTarget(deployment('1', 'web:1'), [replicaSet(1, 'web:1')])).toThrow(NoPreviousRevisionError);
    expect(() => chooseRollbackTarget(deployment('1', 'web:1'), [replicaSet(1, 'web:1')])).toThrow(/no revision before revision 1/);
  });

  it('refuses when there is no history at all', () => {
    // Act & Assess
    expect(() => chooseRollbackTarget(deployment(undefined, 'web:1'), [])).toThrow(NoPreviousRevisionError);
  });

  it('refuses when the previous template is the live one', () => {
    // Act & Assess
    expect(() => chooseRollbackTarget(deployment('2', 'web:1'), [replicaSet(1, 'web:1'), replicaSet(2, 'web:2')])).toThrow(/already runs/);
  });

  it('refuses a paused Deployment, as kubectl does', () => {
    // Act & Assess
    expect(() => chooseRollbackTarget(deployment('2', 'web:2', { paused: true }), [replicaSet(1, 'web:1'), replicaSet(2, 'web:2')])).toThrow(
      DeploymentPausedError,
    );
  });

  it('ignores a ReplicaSet whose revision is not a number', () => {
    // Act & Assess
    expect(chooseRollbackTarget(deployment('3', 'web:3'), [replicaSet('x', 'web:x'), replicaSet(1, 'web:1'), replicaSet(3, 'web:3')]).toRevision).toBe(1);
  });
});

describe('templates', () => {
  it('compares templates ignoring pod-template-hash and key order', () => {
    // Prepare
    const a = { spec: { containers: [{ image: 'web:1', name: 'web' }] }, metadata: { labels: { 'pod-template-hash': 'abc', app: 'web' } } };

    // Act & Assess
    expect(sameTemplate(a, template('web:1'))).toBe(true);
    expect(sameTemplate(a, template('web:2'))).toBe(false);
  });

  it('drops an empty labels map once the hash is gone', () => {
    // Act & Assess
    expect(withoutTemplateHash({ metadata: { labels: { 'pod-template-hash': 'abc' } } })).toEqual({ metadata: {} });
  });

  it('lists the images per container', () => {
    // Act & Assess
    expect(imagesOf({ spec: { containers: [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'y:2' }] } })).toEqual([
      { container: 'a', image: 'x:1' },
      { container: 'b', image: 'y:2' },
    ]);
  });

  it('reads ownership by controller uid', () => {
    // Act & Assess
    expect(ownedReplicaSets(deployment('1', 'w'), [replicaSet(1, 'w'), replicaSet(2, 'w', 'x')]).map((rs) => rs.metadata?.name)).toEqual(['web-h1']);
    expect(currentRevision(deployment('5', 'w'), [])).toBe(5);
  });
});

describe('selectorString', () => {
  it('writes matchLabels and matchExpressions as a labelSelector', () => {
    // Act & Assess
    expect(
      selectorString({
        matchLabels: { app: 'web', tier: 'front' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['prod', 'stage'] },
          { key: 'canary', operator: 'DoesNotExist' },
          { key: 'zone', operator: 'NotIn', values: ['a'] },
          { key: 'team', operator: 'Exists' },
        ],
      }),
    ).toBe('app=web,tier=front,env in (prod,stage),!canary,zone notin (a),team');
    expect(selectorString(undefined)).toBeUndefined();
  });
});

describe('client-node models', () => {
  it('use the wire names for every property of a Deployment, pod template and ConfigMap, so JSON of a model is wire JSON', () => {
    // Prepare
    const models = k8s as unknown as Record<string, { getAttributeTypeMap?: () => { name: string; baseName: string; type: string }[] }>;
    const renamed: string[] = [];
    const seen = new Set<string>();
    const walk = (type: string) => {
      const bare = type.replace(/^Array<(.*)>$/, '$1').replace(/^\{ \[key: string\]: (.*); \}$/, '$1');
      if (seen.has(bare)) return;
      seen.add(bare);
      for (const attribute of models[bare]?.getAttributeTypeMap?.() ?? []) {
        if (attribute.name !== attribute.baseName) renamed.push(`${bare}.${attribute.name}`);
        walk(attribute.type);
      }
    };

    // Act
    for (const root of ['V1Deployment', 'V1PodTemplateSpec', 'V1ConfigMap', 'V1ReplicaSet']) walk(root);

    // Assess
    expect(seen.size).toBeGreaterThan(50);
    expect(renamed).toEqual([]);
  });
});
