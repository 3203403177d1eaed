/** Reads the message out of a Step Functions error Cause, which for Lambda errors is JSON. */
export function causeMessage(cause: string | undefined): string {
  if (cause === undefined || cause === '') return 'no cause given';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // A plain-text cause is its own message.
  }
  return cause;
}
