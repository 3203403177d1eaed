import { Aws } from 'aws-cdk-lib';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { EksDeploymentTarget } from './eks-deployment-target.js';
import type { WebAclScope, WebAclTarget } from './web-acl-target.js';

/**
 * The AWS resources behind the declared targets that IAM is scoped to: the
 * WAF IP sets blocks may be written to and the EKS clusters actions may
 * reach. Values may be tokens (a `CfnIPSet`'s id and ARN); names are checked
 * to be literal by `buildResourceScope`.
 */

/** A WAF IP set the functions may read and change. */
export interface DeclaredIpSetRef {
  readonly name: string;
  readonly id: string;
  readonly scope: WebAclScope;
  readonly arn: string;
}

/** An EKS cluster the functions may describe and reach through an access entry. */
export interface DeclaredClusterRef {
  readonly name: string;
  readonly arn: string;
}

/** Region where WAF keeps everything of scope CLOUDFRONT. */
export const CLOUDFRONT_WAF_REGION = 'us-east-1';

/** The ARN of an IP set in the stack's account: `…:regional/ipset/<name>/<id>` in the stack's region, `…:global/ipset/…` in us-east-1. */
export function defaultIpSetArn(name: string, id: string, scope: WebAclScope): string {
  const [region, kind] = scope === 'CLOUDFRONT' ? [CLOUDFRONT_WAF_REGION, 'global'] : [Aws.REGION, 'regional'];
  return `arn:${Aws.PARTITION}:wafv2:${region}:${Aws.ACCOUNT_ID}:${kind}/ipset/${name}/${id}`;
}

/** The target's IP set as name, id, scope and ARN, whether given as a reference or as a `CfnIPSet`. */
export function ipSetOf(target: WebAclTarget): DeclaredIpSetRef & { readonly cfnScope?: string; readonly cfnName?: string | undefined } {
  const ipSet = target.ipSet;
  if (wafv2.CfnIPSet.isCfnIPSet(ipSet)) {
    return { name: ipSet.name ?? '', id: ipSet.attrId, scope: target.scope, arn: ipSet.attrArn, cfnScope: ipSet.scope, cfnName: ipSet.name };
  }
  return { name: ipSet.name, id: ipSet.id, scope: target.scope, arn: ipSet.arn ?? defaultIpSetArn(ipSet.name, ipSet.id, target.scope) };
}

/** Every distinct IP set of the web ACL targets (two ACLs may share a blocklist), in declaration order. */
export function declaredIpSets(webAcls: readonly WebAclTarget[]): DeclaredIpSetRef[] {
  const seen = new Map<string, DeclaredIpSetRef>();
  for (const target of webAcls) {
    const { name, id, scope, arn } = ipSetOf(target);
    const key = `${scope}/${name}`;
    if (!seen.has(key)) seen.set(key, { name, id, scope, arn });
  }
  return [...seen.values()];
}

/** The cluster's ARN in the stack's partition, region and account. */
export function defaultClusterArn(cluster: string): string {
  return `arn:${Aws.PARTITION}:eks:${Aws.REGION}:${Aws.ACCOUNT_ID}:cluster/${cluster}`;
}

/** Every distinct cluster of the EKS targets, in declaration order. */
export function declaredClusters(eksDeployments: readonly EksDeploymentTarget[]): DeclaredClusterRef[] {
  const seen = new Map<string, DeclaredClusterRef>();
  for (const target of eksDeployments) {
    if (!seen.has(target.cluster)) seen.set(target.cluster, { name: target.cluster, arn: target.clusterArn ?? defaultClusterArn(target.cluster) });
  }
  return [...seen.values()];
}
