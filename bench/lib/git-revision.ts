import { execFileSync } from 'node:child_process';

/** The commit a directory's checkout is at, and whether its files differ from that commit. */
export interface GitRevision {
  commit: string;
  /**
   * True when tracked or untracked files differ from `commit` (bench results aside, which the benches write
   * themselves): the build measured is not exactly that commit.
   */
  dirty: boolean;
}

function git(dir: string, args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
}

/** The revision of the checkout holding `dir`, or null when `dir` is not in a git checkout. */
export function gitRevision(dir: string): GitRevision | null {
  try {
    return {
      commit: git(dir, ['rev-parse', 'HEAD']),
      dirty: git(dir, ['status', '--porcelain', '--', ':(top,exclude)bench/results']) !== '',
    };
  } catch {
    return null;
  }
}

/** `abc1234` or `abc1234 (with uncommitted changes)`, for a results page. */
export function describeRevision(revision: GitRevision | null): string {
  if (revision === null) return 'not a git checkout';
  return `${revision.commit.slice(0, 12)}${revision.dirty ? ' (with uncommitted changes)' : ''}`;
}
