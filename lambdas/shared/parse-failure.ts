import * as z from 'zod';

interface Issue {
  message: string;
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
}

function pathOf(issue: Issue): string {
  const parts = (issue.path ?? []).map((part) => String(typeof part === 'object' ? part.key : part));
  return parts.length === 0 ? '(root)' : parts.join('.');
}

/**
 * Names the fields that made an input unparseable, one `path: problem` per
 * issue, from a Powertools `ParseError` (whose cause is the schema's issue
 * list) or a `ZodError`.
 */
export function describeParseFailure(error: Error, maxIssues = 8): string {
  const cause = error instanceof z.ZodError ? error : (error as { cause?: unknown }).cause;
  const issues: Issue[] | undefined =
    cause instanceof z.ZodError ? cause.issues : Array.isArray(cause) ? (cause as Issue[]) : undefined;
  if (issues === undefined || issues.length === 0) return error.message;
  const listed = issues.slice(0, maxIssues).map((issue) => `${pathOf(issue)}: ${issue.message}`);
  if (issues.length > maxIssues) listed.push(`… and ${issues.length - maxIssues} more`);
  return listed.join('; ');
}
