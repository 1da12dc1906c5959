import type { PaneExplanation } from './monitor.js';

/**
 * How a pane was identified and classified, as an operator reads it: the
 * `architect agents explain` output and the session view's "Why this state?".
 */
export function explanationText(e: PaneExplanation): string {
  const s = e.session;
  const out = [
    `pane      ${s.server}:${s.paneId}  (${s.session}:${s.windowIndex}.${s.paneIndex}, name "${s.name}")`,
    `process   ${e.identification.argv.join(' ') || e.identification.command || '?'}  (pid ${e.identification.pid ?? '?'})`,
    `agent     ${s.agent}${e.identification.agent !== s.agent ? ` (now: ${e.identification.agent})` : ''}`,
    `state     ${e.result.state}${e.result.ruleId ? `  by rule ${e.result.ruleId}` : e.verdicts.length ? "  (no rule matched: idle needs the agent's own prompt)" : '  (no screen rules for this pane)'}${e.result.reason && e.result.reason !== e.result.ruleId ? `, reason ${e.result.reason}` : ''}`,
    ...(e.hook ? [`hook      ${e.hook.event ?? '?'} → ${e.hook.state} at ${new Date(e.hook.atMs).toISOString()}${e.decidedBy?.startsWith('hook:') ? '  (decides the reported state)' : '  (the screen has moved on since)'}`] : []),
    `reported  ${s.state}${e.decidedBy ? `  by ${e.decidedBy}` : ''}`,
    `title     ${JSON.stringify(e.screen?.title ?? s.title)}`,
    '',
    ...e.verdicts.map((v) => `${v.matched ? (v.ruleId === e.result.ruleId ? '=>' : ' +') : '  '} ${v.ruleId.padEnd(26)} ${v.state.padEnd(8)} ${v.evidence}`),
  ];
  return out.join('\n');
}
