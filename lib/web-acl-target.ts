import { Duration } from 'aws-cdk-lib';
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { RemediationTarget } from './remediation-target.js';

/** Where a WAF web ACL lives: a Region, or CloudFront (whose WAF resources are all in us-east-1). */
export type WebAclScope = 'REGIONAL' | 'CLOUDFRONT';

/** An existing WAF IP set, referenced by name, id and (optionally) ARN. */
export interface WebAclIpSet {
  /** Name of the IP set. */
  readonly name: string;

  /** Id of the IP set (the UUID WAF generated for it). */
  readonly id: string;

  /**
   * ARN of the IP set; the functions may only read and change this one.
   *
   * @default - `arn:<partition>:wafv2:<region>:<stack account>:<regional|global>/ipset/<name>/<id>`,
   *            in the stack's region for `REGIONAL` and in us-east-1 for `CLOUDFRONT`
   */
  readonly arn?: string;
}

/**
 * A site behind a WAF web ACL: self-healing may block one abusive address at
 * a time in the IP set a block rule of the ACL reads, for a limited time.
 * Every block gets a one-time EventBridge Scheduler schedule that removes it
 * when it expires; the construct caps how many blocks may be in place.
 */
export interface WebAclTarget extends RemediationTarget {
  /** Name of the web ACL. Must be known at synth time. */
  readonly webAclName: string;

  /** Scope of the web ACL and of its IP set. */
  readonly scope: WebAclScope;

  /**
   * The IP set a block rule of the web ACL uses: blocks are written there and
   * nowhere else. A `CfnIPSet` must have a literal `name` and the same scope.
   */
  readonly ipSet: WebAclIpSet | wafv2.CfnIPSet;

  /**
   * How long a block lasts before its schedule removes it: whole minutes, 5 minutes to 24 hours.
   *
   * @default Duration.minutes(60)
   */
  readonly blockDuration?: Duration;
}

/** Defaults applied to every `WebAclTarget` field left unset, beyond `REMEDIATION_TARGET_DEFAULTS`. */
export const WEB_ACL_DEFAULTS = {
  blockDuration: Duration.minutes(60),
} as const;
