/**
 * Grouping accuracy (GA), the Loghub benchmark's parsing score: a line counts
 * as correct only when the group the parser put it in holds exactly the lines
 * of its true group, no more and no fewer. GA = correct lines / all lines.
 *
 * Labels are opaque: only which lines share a label matters, so predicted ids
 * and true templates can be any strings or numbers.
 */
export function groupingAccuracy(predicted: readonly (string | number)[], truth: readonly (string | number)[]): number {
  if (predicted.length !== truth.length) {
    throw new RangeError(`predicted has ${predicted.length} labels, truth has ${truth.length}`);
  }
  if (predicted.length === 0) return 1;

  const truthSizes = countLabels(truth);
  /** Per predicted group: its size, and its one true label (or null once it mixes two). */
  const groups = new Map<string | number, { size: number; truthLabel: string | number | null }>();
  for (let i = 0; i < predicted.length; i++) {
    const group = groups.get(predicted[i]!);
    if (group === undefined) {
      groups.set(predicted[i]!, { size: 1, truthLabel: truth[i]! });
    } else {
      group.size++;
      if (group.truthLabel !== truth[i]) group.truthLabel = null;
    }
  }

  let correct = 0;
  for (const { size, truthLabel } of groups.values()) {
    // A pure group is exact only if it also holds every line of its true group.
    if (truthLabel !== null && truthSizes.get(truthLabel) === size) correct += size;
  }
  return correct / predicted.length;
}

function countLabels(labels: readonly (string | number)[]): Map<string | number, number> {
  const sizes = new Map<string | number, number>();
  for (const label of labels) sizes.set(label, (sizes.get(label) ?? 0) + 1);
  return sizes;
}
