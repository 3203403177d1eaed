/**
 * The documented command that closes a resource's circuit after a human has
 * looked at it. Notifications and the README quote it, so it is built in
 * one place.
 */
export function circuitResetCommand(resourceId: string, tableName: string): string {
  return `npx self-heal circuit reset ${resourceId} --table ${tableName} --by "<your name>"`;
}
