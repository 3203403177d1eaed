import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as destinations from 'aws-cdk-lib/aws-logs-destinations';
import { Construct } from 'constructs';

export interface LogSubscriptionIntakeProps {
  /** The log intake function (`lambdas/log-intake`) the subscriptions deliver to. */
  readonly function: lambda.IFunction;

  /**
   * Log groups to mine, by name. Each gets one subscription filter; CloudWatch
   * Logs allows two per log group, so a group may carry one other.
   */
  readonly logGroupNames: readonly string[];

  /**
   * Which events the subscriptions deliver, in CloudWatch Logs filter
   * pattern syntax.
   *
   * @default '' - every event
   */
  readonly filterPattern?: string;
}

/**
 * Subscribes the log intake function to the declared log groups. CloudWatch
 * Logs invokes the function asynchronously with batches of events; each
 * subscription also grants `logs.amazonaws.com` permission to invoke the
 * function for that log group only.
 */
export class LogSubscriptionIntake extends Construct {
  /** The subscription filters, by log group name. */
  readonly subscriptionFilters: ReadonlyMap<string, logs.SubscriptionFilter>;

  constructor(scope: Construct, id: string, props: LogSubscriptionIntakeProps) {
    super(scope, id);
    const seen = new Set<string>();
    for (const name of props.logGroupNames) {
      if (name.trim() === '') throw new Error('LogSubscriptionIntake: a log group name is empty');
      if (seen.has(name)) throw new Error(`LogSubscriptionIntake: log group ${name} is listed twice`);
      seen.add(name);
    }

    const pattern = props.filterPattern ?? '';
    const filterPattern = pattern === '' ? logs.FilterPattern.allEvents() : logs.FilterPattern.literal(pattern);
    const destination = new destinations.LambdaDestination(props.function);
    const filters = new Map<string, logs.SubscriptionFilter>();
    for (const name of props.logGroupNames) {
      // The name is in the id, so adding or removing a group leaves the others' filters in place.
      const logGroup = logs.LogGroup.fromLogGroupName(this, `LogGroup${name}`, name);
      filters.set(name, new logs.SubscriptionFilter(this, `Subscription${name}`, { logGroup, destination, filterPattern }));
    }
    this.subscriptionFilters = filters;
  }
}
