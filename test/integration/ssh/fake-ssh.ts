import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes an executable named `ssh` that stands in for the real one: it checks it got
 * the options Architect must pass (connection sharing, BatchMode, a timeout, `-T`/`-t`,
 * `--` before the host, the expected host and port) and exactly ONE remote command
 * string, logs that string, then runs it with `sh -c` as a remote login shell would.
 * A quoting mistake therefore really breaks (or really runs code) here. While
 * `psBrokenFlag` exists, a remote `ps` fails.
 */
export function installFakeSsh(bin: string, expect: { host: string; port: number; log: string; psBrokenFlag: string }): string {
  const file = path.join(bin, 'ssh');
  fs.writeFileSync(file, [
    '#!/bin/sh',
    'opts=" "',
    'tty=""',
    'while [ $# -gt 0 ]; do',
    '  case "$1" in',
    '    -o) opts="$opts$2 "; shift 2 ;;',
    '    -p|-i) opts="$opts$1=$2 "; shift 2 ;;',
    '    -T|-t) tty="$1"; shift ;;',
    '    --) shift; break ;;',
    '    *) echo "fake ssh: unexpected argument before --: $1" >&2; exit 255 ;;',
    '  esac',
    'done',
    `for want in ControlMaster=auto ControlPersist=60 BatchMode=yes ConnectTimeout=5 -p=${expect.port}; do`,
    '  case "$opts" in *" $want "*) ;; *) echo "fake ssh: missing $want in:$opts" >&2; exit 255 ;; esac',
    'done',
    'case "$opts" in *" ControlPath="*/ssh-%C" "*) ;; *) echo "fake ssh: no ControlPath=DIR/ssh-%C in:$opts" >&2; exit 255 ;; esac',
    '[ -n "$tty" ] || { echo "fake ssh: neither -T nor -t" >&2; exit 255; }',
    `[ "$1" = '${expect.host}' ] || { echo "fake ssh: unexpected host $1" >&2; exit 255; }`,
    'shift',
    '[ $# -eq 1 ] || { echo "fake ssh: expected one remote command string, got $#" >&2; exit 255; }',
    `printf '%s\\n' "$tty $1" >> '${expect.log}'`,
    // While the flag file exists the "remote" ps fails: proves identification needs it.
    `case "$1" in "'ps' "*) [ -e '${expect.psBrokenFlag}' ] && { echo "fake ssh: ps broken" >&2; exit 255; } ;; esac`,
    'exec sh -c "$1"',
    '',
  ].join('\n'), { mode: 0o755 });
  return file;
}
