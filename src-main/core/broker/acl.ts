import { contractError, type TopiaryError } from '../../../shared/ipc/errors';
import { topicMatchesFilter } from '../../../shared/mqtt/topic-rules';
import { filterCovers } from './topic';
import type { AclRule } from './types';

/** Who is asking, for ACL purposes. */
export interface AclSubject {
  readonly username: string | undefined;
  readonly clientId: string;
}

/**
 * mosquitto's ACL model: once any rule exists, access is denied unless a rule grants it,
 * and a matching `deny` rule wins over every grant.
 */
export class Acl {
  constructor(private rules: readonly AclRule[]) {}

  get enabled(): boolean {
    return this.rules.length > 0;
  }

  setRules(rules: readonly AclRule[]): void {
    this.rules = rules;
  }

  listRules(): readonly AclRule[] {
    return this.rules;
  }

  /** May this client publish to `topic`? */
  canPublish(who: AclSubject, topic: string): boolean {
    return this.check(who, topic, 'write', topicMatchesFilter);
  }

  /** May this client subscribe to `filter`? A read rule must cover the whole filter. */
  canSubscribe(who: AclSubject, filter: string): boolean {
    return this.check(who, filter, 'read', filterCovers, (rule, f) => filterCovers(rule, f) || topicMatchesFilter(rule, f));
  }

  /** May a message on `topic` be delivered to this client? */
  canReceive(who: AclSubject, topic: string): boolean {
    return this.check(who, topic, 'read', topicMatchesFilter);
  }

  private check(
    who: AclSubject,
    target: string,
    want: 'read' | 'write',
    grants: (rule: string, target: string) => boolean,
    denies: (rule: string, target: string) => boolean = grants,
  ): boolean {
    if (this.rules.length === 0) return true;
    let granted = false;
    for (const rule of this.rules) {
      const topic = this.ruleTopic(rule, who);
      if (topic === undefined) continue;
      if (rule.access === 'deny') {
        if (denies(topic, target)) return false;
      } else if ((rule.access === 'readwrite' || rule.access === want) && !granted && grants(topic, target)) {
        granted = true;
      }
    }
    return granted;
  }

  private ruleTopic(rule: AclRule, who: AclSubject): string | undefined {
    switch (rule.scope) {
      case 'anonymous':
        return who.username === undefined ? rule.topic : undefined;
      case 'user':
        return who.username !== undefined && who.username === rule.subject ? rule.topic : undefined;
      case 'client':
        return who.clientId === rule.subject ? rule.topic : undefined;
      case 'pattern': {
        // mosquitto refuses to expand %u/%c values containing wildcards, which would widen the rule.
        if (rule.topic.includes('%u') && (who.username === undefined || /[+#/]/.test(who.username))) return undefined;
        if (rule.topic.includes('%c') && /[+#/]/.test(who.clientId)) return undefined;
        return rule.topic.replaceAll('%u', who.username ?? '').replaceAll('%c', who.clientId);
      }
    }
  }
}

/** Parses mosquitto's acl_file format: `user NAME`, `topic [read|write|readwrite|deny] T`, `pattern [...] T`. */
export function parseAclFile(text: string): AclRule[] {
  const rules: AclRule[] = [];
  let user: string | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m) throw aclError(i, line);
    const keyword = m[1]!;
    const rest = m[2]!.trim();
    if (keyword === 'user') {
      user = rest;
      continue;
    }
    if (keyword !== 'topic' && keyword !== 'pattern') throw aclError(i, line);
    const am = /^(read|write|readwrite|deny)\s+(.+)$/.exec(rest);
    const access = (am ? am[1] : 'readwrite') as AclRule['access'];
    const topic = am ? am[2]!.trim() : rest;
    if (keyword === 'pattern') rules.push({ scope: 'pattern', access, topic });
    else if (user === undefined) rules.push({ scope: 'anonymous', access, topic });
    else rules.push({ scope: 'user', subject: user, access, topic });
  }
  return rules;
}

/** Writes rules back in acl_file format; client-scoped rules have no mosquitto form and are left out. */
export function formatAclFile(rules: readonly AclRule[]): string {
  const out: string[] = [];
  for (const r of rules.filter((r) => r.scope === 'anonymous')) out.push(`topic ${r.access} ${r.topic}`);
  const users = [...new Set(rules.filter((r) => r.scope === 'user').map((r) => r.subject ?? ''))];
  for (const u of users) {
    out.push('', `user ${u}`);
    for (const r of rules.filter((x) => x.scope === 'user' && x.subject === u)) out.push(`topic ${r.access} ${r.topic}`);
  }
  const patterns = rules.filter((r) => r.scope === 'pattern');
  if (patterns.length) out.push('');
  for (const r of patterns) out.push(`pattern ${r.access} ${r.topic}`);
  return out.join('\n') + '\n';
}

function aclError(i: number, line: string): TopiaryError {
  return contractError('ACL_FILE_INVALID', `Line ${i + 1} of the ACL file ("${line}") is not a user, topic or pattern rule; fix or remove it.`);
}
