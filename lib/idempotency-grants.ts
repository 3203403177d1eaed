/**
 * What Powertools Idempotency does with its records in the state table, on
 * top of a function's own reads and writes: every side-effecting function
 * (see `idempotentBy` in `lambdas/shared/idempotency.ts`) needs all four.
 */
export const IDEMPOTENCY_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] as const;
