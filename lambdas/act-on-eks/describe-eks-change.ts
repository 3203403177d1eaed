import type { ActionName } from '../shared/actions/catalog.js';

type Json = Record<string, unknown>;

const str = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

function images(value: unknown): string {
  if (!Array.isArray(value)) return '?';
  return value.map((image: Json) => `${str(image.container)}=${str(image.image)}`).join(', ');
}

/** One sentence on what an EKS apply did, and whether it changed anything. */
export function describeApplied(action: ActionName, before: object, applied: object): { changed: boolean; summary: string } {
  const b = before as Json;
  const a = applied as Json;
  switch (action) {
    case 'rollbackEksDeployment':
      return {
        changed: true,
        summary: `rolled ${str(b.namespace)}/${str(b.deployment)} back from revision ${str(a.fromRevision)} to ${str(a.toRevision)} (${images(a.images)})`,
      };
    case 'restartEksDeployment':
      return { changed: true, summary: `restarted ${str(b.namespace)}/${str(b.deployment)} at ${str(a.restartedAt)}` };
    case 'patchEksConfigMap': {
      const configMap = b.configMap as Json;
      const patched = a.configMap as Json;
      const previous = configMap.previous as Json;
      const restart = a.restart === undefined ? '' : `, then restarted ${str((b.deployment as Json | undefined)?.deployment)}`;
      return {
        changed: true,
        summary: `set ${str(patched.key)} in ConfigMap ${str(configMap.namespace)}/${str(configMap.configMap)} (was ${previous.present === true ? 'set' : 'absent'})${restart}`,
      };
    }
    default:
      return { changed: true, summary: `${action} applied` };
  }
}

/** One sentence on what an EKS undo did. */
export function describeUndo(action: ActionName, details: Json): { undone: boolean; inPlace: boolean; summary: string } {
  const inner = action === 'patchEksConfigMap' ? (details.configMap as Json) : details;
  const undone = inner.undone === true;
  // The executors either restore the before-state, find it restored already, or throw: after a return our change is gone.
  if (!undone) return { undone, inPlace: false, summary: str(inner.reason ?? 'nothing to undo') };
  switch (action) {
    case 'rollbackEksDeployment':
      return { undone, inPlace: false, summary: `rolled forward to the revision live before the rollback (${images(inner.images)})` };
    case 'patchEksConfigMap':
      return { undone, inPlace: false, summary: `restored key ${str(inner.key)} (${str(inner.restored)})${details.restart === undefined ? '' : ' and restarted the Deployment'}` };
    default:
      return { undone, inPlace: false, summary: `${action} undone` };
  }
}
