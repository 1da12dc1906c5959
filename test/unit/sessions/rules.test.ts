import { describe, expect, it } from 'vitest';
import { classify, explainScreen, type ScreenState } from '../../../src/main/sessions/classify.js';
import { baseManifests, loadScreen, screenNames } from './screens.js';

interface Case {
  agent: string;
  state: ScreenState;
  /** The rule that must decide (null for unknown). */
  rule: string | null;
  reason?: string;
  /** Text the message must contain (errors, limits, retries). */
  message?: string;
  /** The reset time as printed (limits). */
  resets?: string;
}

// Every fixture under test/fixtures/screens, with what it must read as. Real captures
// carry the CLI version in their name; `synthetic-` ones are built from real ones;
// `lookalike-` ones must NOT read as the marker they quote.
const CASES: Record<string, Case> = {
  'claude-2.1.197-approval': { agent: 'claude', state: 'waiting', rule: 'claude-permission', reason: 'approval' },
  'claude-2.1.197-idle': { agent: 'claude', state: 'idle', rule: 'claude-prompt' },
  'claude-2.1.197-idle-after-turn': { agent: 'claude', state: 'idle', rule: 'claude-prompt' },
  'claude-2.1.197-working': { agent: 'claude', state: 'working', rule: 'claude-footer-interrupt' },
  'synthetic-claude-api-error': { agent: 'claude', state: 'error', rule: 'claude-api-error', reason: 'api_error' },
  'synthetic-claude-login': { agent: 'claude', state: 'error', rule: 'claude-login', reason: 'auth' },
  'synthetic-claude-usage-limit': { agent: 'claude', state: 'error', rule: 'claude-usage-limit', reason: 'limit' },
  'synthetic-claude-offline': { agent: 'claude', state: 'error', rule: 'claude-offline' },
  'synthetic-claude-trust': { agent: 'claude', state: 'waiting', rule: 'claude-trust', reason: 'trust' },
  'synthetic-claude-question': { agent: 'claude', state: 'waiting', rule: 'claude-question', reason: 'question' },
  // The turn is over, a background shell runs on: idle, the shell is the detail (real screen: claude-2.1.197-idle-background-shell-captured).
  'synthetic-claude-background': { agent: 'claude', state: 'idle', rule: 'claude-background', reason: 'background', message: '2 shells still running' },
  'synthetic-claude-working-spinner-only': { agent: 'claude', state: 'working', rule: 'claude-spinner-line' },
  'lookalike-claude-idle-quoting-markers': { agent: 'claude', state: 'idle', rule: 'claude-prompt' },
  'lookalike-claude-footer-only': { agent: 'claude', state: 'unknown', rule: null },
  // Captured from the real CLI against the model stub (test/support/agent-stub/capture.ts).
  'claude-2.1.197-idle-captured': { agent: 'claude', state: 'idle', rule: 'claude-prompt' },
  'claude-2.1.197-working-captured': { agent: 'claude', state: 'working', rule: 'claude-footer-interrupt' },
  'claude-2.1.197-idle-after-turn-captured': { agent: 'claude', state: 'idle', rule: 'claude-prompt' },
  'claude-2.1.197-approval-captured': { agent: 'claude', state: 'waiting', rule: 'claude-permission', reason: 'approval' },
  'claude-2.1.197-after-interrupt-captured': { agent: 'claude', state: 'idle', rule: 'claude-prompt' },
  'claude-2.1.197-question-captured': { agent: 'claude', state: 'waiting', rule: 'claude-question', reason: 'question' },
  'claude-2.1.197-trust-captured': { agent: 'claude', state: 'waiting', rule: 'claude-trust', reason: 'trust' },
  'claude-2.1.197-error-auth-captured': { agent: 'claude', state: 'error', rule: 'claude-login', reason: 'auth' },
  'claude-2.1.197-error-rate-limit-captured': { agent: 'claude', state: 'error', rule: 'claude-usage-limit', reason: 'limit' },
  'claude-2.1.197-error-server-captured': { agent: 'claude', state: 'error', rule: 'claude-api-error', reason: 'api_error' },
  'claude-2.1.197-working-after-error-captured': { agent: 'claude', state: 'working', rule: 'claude-footer-interrupt' },
  'claude-2.1.197-idle-after-error-captured': { agent: 'claude', state: 'idle', rule: 'claude-prompt' },
  'codex-0.169.0-approval': { agent: 'codex', state: 'waiting', rule: 'codex-run-command', reason: 'approval' },
  'codex-0.169.0-idle': { agent: 'codex', state: 'idle', rule: 'codex-prompt' },
  'codex-0.169.0-signin': { agent: 'codex', state: 'waiting', rule: 'codex-signin', reason: 'login' },
  'codex-0.169.0-working': { agent: 'codex', state: 'working', rule: 'codex-working-line' },
  'synthetic-codex-usage-limit': { agent: 'codex', state: 'error', rule: 'codex-usage-limit', reason: 'limit' },
  'synthetic-codex-trust': { agent: 'codex', state: 'waiting', rule: 'codex-trust', reason: 'trust' },
  'synthetic-codex-question': { agent: 'codex', state: 'waiting', rule: 'codex-question', reason: 'question' },
  'lookalike-codex-footers-only': { agent: 'codex', state: 'unknown', rule: null },
  'codex-0.169.0-idle-captured': { agent: 'codex', state: 'idle', rule: 'codex-prompt' },
  'codex-0.169.0-working-captured': { agent: 'codex', state: 'working', rule: 'codex-working-line' },
  'codex-0.169.0-idle-after-turn-captured': { agent: 'codex', state: 'idle', rule: 'codex-prompt' },
  'codex-0.169.0-approval-captured': { agent: 'codex', state: 'waiting', rule: 'codex-run-command', reason: 'approval' },
  'codex-0.169.0-after-interrupt-captured': { agent: 'codex', state: 'idle', rule: 'codex-prompt' },
  'codex-0.169.0-error-auth-captured': { agent: 'codex', state: 'error', rule: 'codex-auth-error', reason: 'auth' },
  'codex-0.169.0-error-rate-limit-captured': { agent: 'codex', state: 'error', rule: 'codex-usage-limit', reason: 'limit' },
  'codex-0.169.0-error-server-captured': { agent: 'codex', state: 'error', rule: 'codex-api-error', reason: 'api_error' },
  'codex-0.169.0-working-after-error-captured': { agent: 'codex', state: 'working', rule: 'codex-working-line' },
  'codex-0.169.0-idle-after-error-captured': { agent: 'codex', state: 'idle', rule: 'codex-prompt' },
  'gemini-0.61.0-approval': { agent: 'gemini', state: 'waiting', rule: 'gemini-allow', reason: 'approval' },
  'gemini-0.61.0-idle': { agent: 'gemini', state: 'idle', rule: 'gemini-prompt' },
  'gemini-0.61.0-trust': { agent: 'gemini', state: 'waiting', rule: 'gemini-trust', reason: 'trust' },
  'gemini-0.61.0-working': { agent: 'gemini', state: 'working', rule: 'gemini-spinner-line' },
  'synthetic-gemini-idle-truecolor': { agent: 'gemini', state: 'idle', rule: 'gemini-prompt' },
  'synthetic-gemini-working-truecolor': { agent: 'gemini', state: 'working', rule: 'gemini-spinner-line' },
  'gemini-0.61.0-idle-captured': { agent: 'gemini', state: 'idle', rule: 'gemini-prompt' },
  'gemini-0.61.0-working-captured': { agent: 'gemini', state: 'working', rule: 'gemini-spinner-line' },
  'gemini-0.61.0-idle-after-turn-captured': { agent: 'gemini', state: 'idle', rule: 'gemini-prompt' },
  'gemini-0.61.0-approval-captured': { agent: 'gemini', state: 'waiting', rule: 'gemini-allow', reason: 'approval' },
  'gemini-0.61.0-after-interrupt-captured': { agent: 'gemini', state: 'idle', rule: 'gemini-prompt' },
  'gemini-0.61.0-error-auth-captured': { agent: 'gemini', state: 'error', rule: 'gemini-auth-error', reason: 'auth' },
  'gemini-0.61.0-working-after-error-captured': { agent: 'gemini', state: 'working', rule: 'gemini-spinner-line' },
  'gemini-0.61.0-idle-after-error-captured': { agent: 'gemini', state: 'idle', rule: 'gemini-prompt' },
  'gemini-0.61.0-trust-captured': { agent: 'gemini', state: 'waiting', rule: 'gemini-trust', reason: 'trust' },
  // Round 2 (issue 15), captured from the real CLIs through the stub (capture.ts --round2):
  // errors that end a turn, a retried error, usage limits with their reset time.
  'claude-2.1.197-error-billing-captured': { agent: 'claude', state: 'error', rule: 'claude-billing', reason: 'billing', message: 'Credit balance too low' },
  'claude-2.1.197-error-invalid-request-captured': { agent: 'claude', state: 'error', rule: 'claude-api-error', reason: 'api_error', message: 'API Error: 400 messages.1.content.0.type' },
  'claude-2.1.197-error-context-captured': { agent: 'claude', state: 'error', rule: 'claude-context-limit', reason: 'context_limit', message: 'Context limit reached' },
  'claude-2.1.197-error-overloaded-captured': { agent: 'claude', state: 'error', rule: 'claude-api-error', reason: 'api_error', message: 'API Error: 529 Overloaded. This is a server-side issue, usually temporary — try again in a moment. If it persists' },
  'claude-2.1.197-working-retrying-captured': { agent: 'claude', state: 'working', rule: 'claude-retrying', reason: 'retrying', message: 'API error · Retrying in 1s · attempt 1/2' },
  'claude-2.1.197-limit-captured': { agent: 'claude', state: 'error', rule: 'claude-usage-limit', reason: 'limit', message: "You've hit your session limit", resets: '7:20pm (UTC)' },
  'claude-2.1.197-limit-dialog-captured': { agent: 'claude', state: 'error', rule: 'claude-usage-limit', reason: 'limit', resets: '7:20pm (UTC)' },
  'codex-0.171.0-error-billing-captured': { agent: 'codex', state: 'error', rule: 'codex-billing', reason: 'billing', message: 'Quota exceeded. Check your plan and billing details.' },
  'codex-0.171.0-error-invalid-request-captured': { agent: 'codex', state: 'error', rule: 'codex-api-error', reason: 'api_error', message: "Invalid 'input[1].content': expected an array of content parts." },
  'codex-0.171.0-error-context-captured': { agent: 'codex', state: 'error', rule: 'codex-context-limit', reason: 'context_limit', message: 'Codex ran out of room' },
  'codex-0.171.0-error-overloaded-captured': { agent: 'codex', state: 'error', rule: 'codex-api-error', reason: 'api_error', message: 'Selected model is at capacity' },
  'codex-0.171.0-limit-captured': { agent: 'codex', state: 'error', rule: 'codex-usage-limit', reason: 'limit', message: 'You’ve hit your usage limit', resets: '7:23 PM' },
  'gemini-0.61.0-error-billing-captured': { agent: 'gemini', state: 'error', rule: 'gemini-api-error', reason: 'api_error', message: 'Your project has been denied access. Please contact support. Billing account not active.' },
  'gemini-0.61.0-error-invalid-request-captured': { agent: 'gemini', state: 'error', rule: 'gemini-api-error', reason: 'api_error', message: 'Request contains an invalid argument.' },
  'gemini-0.61.0-error-context-captured': { agent: 'gemini', state: 'error', rule: 'gemini-api-error', reason: 'api_error', message: 'The input token count (1234567) exceeds the maximum' },
  'gemini-0.61.0-limit-dialog-captured': { agent: 'gemini', state: 'error', rule: 'gemini-limit-dialog', reason: 'limit', message: 'Usage limit reached for all Pro models. Access resets at 7:24 PM UTC.', resets: '7:24 PM UTC' },
  'gemini-0.61.0-limit-captured': { agent: 'gemini', state: 'error', rule: 'gemini-quota', reason: 'limit', message: 'You exceeded your current quota', resets: '7188s' },
  // Background work (capture.ts --background): a subagent inside a turn is working; a
  // turn over with a background shell is idle with the shell as detail; /compact is
  // working, then idle; Esc mid-turn is idle once the prompt (with the draft) is back.
  'claude-2.1.197-working-subagent-captured': { agent: 'claude', state: 'working', rule: 'claude-subagent', reason: 'subagent', message: 'general-purpose Survey the project' },
  'claude-2.1.197-idle-background-shell-captured': { agent: 'claude', state: 'idle', rule: 'claude-background', reason: 'background', message: '1 shell' },
  'claude-2.1.197-working-compact-captured': { agent: 'claude', state: 'working', rule: 'claude-compacting', reason: 'compacting', message: 'Compacting conversation…' },
  'claude-2.1.197-idle-after-compact-captured': { agent: 'claude', state: 'idle', rule: 'claude-background', reason: 'background' },
  'claude-2.1.197-idle-after-esc-captured': { agent: 'claude', state: 'idle', rule: 'claude-background', reason: 'background' },
  // Claude Code 2.1.332 (capture.ts, --round2, --background): the input box now sits at
  // the bottom with blank lines above it, the input line carries a hint ("Once fixed,
  // resend your message"), the footer names the permission mode, a subagent runs in the
  // background while the turn waits for it, and a retry reads "retrying in 3s".
  'claude-2.1.332-idle-captured': { agent: 'claude', state: 'idle', rule: 'claude-prompt' },
  'claude-2.1.332-auto-mode-nudge-captured': { agent: 'claude', state: 'waiting', rule: 'claude-auto-mode-nudge', reason: 'question' },
  'claude-2.1.332-working-captured': { agent: 'claude', state: 'working', rule: 'claude-footer-interrupt' },
  'claude-2.1.332-idle-after-turn-captured': { agent: 'claude', state: 'idle', rule: 'claude-prompt' },
  'claude-2.1.332-approval-captured': { agent: 'claude', state: 'waiting', rule: 'claude-permission', reason: 'approval' },
  'claude-2.1.332-after-interrupt-captured': { agent: 'claude', state: 'idle', rule: 'claude-prompt' },
  'claude-2.1.332-question-captured': { agent: 'claude', state: 'waiting', rule: 'claude-question', reason: 'question' },
  'claude-2.1.332-trust-captured': { agent: 'claude', state: 'waiting', rule: 'claude-trust', reason: 'trust' },
  'claude-2.1.332-error-auth-captured': { agent: 'claude', state: 'error', rule: 'claude-login', reason: 'auth', message: 'Invalid API key' },
  'claude-2.1.332-error-rate-limit-captured': { agent: 'claude', state: 'error', rule: 'claude-usage-limit', reason: 'limit', message: 'Rate limit exceeded' },
  'claude-2.1.332-error-server-captured': { agent: 'claude', state: 'error', rule: 'claude-api-error', reason: 'api_error', message: 'API Error: 500 Internal server error' },
  'claude-2.1.332-working-after-error-captured': { agent: 'claude', state: 'working', rule: 'claude-footer-interrupt' },
  'claude-2.1.332-idle-after-error-captured': { agent: 'claude', state: 'idle', rule: 'claude-prompt' },
  'claude-2.1.332-error-billing-captured': { agent: 'claude', state: 'error', rule: 'claude-billing', reason: 'billing', message: 'Credit balance too low' },
  'claude-2.1.332-error-invalid-request-captured': { agent: 'claude', state: 'error', rule: 'claude-api-error', reason: 'api_error', message: 'API Error: 400 messages.1.content.0.type' },
  'claude-2.1.332-error-context-captured': { agent: 'claude', state: 'error', rule: 'claude-context-limit', reason: 'context_limit', message: 'Context limit reached' },
  'claude-2.1.332-error-overloaded-captured': { agent: 'claude', state: 'error', rule: 'claude-api-error', reason: 'api_error', message: 'API Error: 529 Overloaded.' },
  'claude-2.1.332-working-retrying-captured': { agent: 'claude', state: 'working', rule: 'claude-retrying', reason: 'retrying', message: 'API error · retrying in 2s · attempt 1/2' },
  // Under a subscription 2.1.332 opens no dialog: it continues by itself at the reset
  // (Esc cancels that); the limit stands either way.
  'claude-2.1.332-limit-auto-continue-captured': { agent: 'claude', state: 'error', rule: 'claude-usage-limit', reason: 'limit', message: "You've hit your 5-hour limit", resets: '10:24pm (UTC)' },
  'claude-2.1.332-limit-captured': { agent: 'claude', state: 'error', rule: 'claude-usage-limit', reason: 'limit', message: "You've hit your 5-hour limit", resets: '10:24pm (UTC)' },
  'claude-2.1.332-working-subagent-captured': { agent: 'claude', state: 'working', rule: 'claude-subagent-waiting', reason: 'subagent', message: 'general-purpose Survey the project' },
  'claude-2.1.332-idle-background-shell-captured': { agent: 'claude', state: 'idle', rule: 'claude-background', reason: 'background', message: '1 shell' },
  'claude-2.1.332-working-compact-captured': { agent: 'claude', state: 'working', rule: 'claude-compacting', reason: 'compacting', message: 'Compacting conversation…' },
  'claude-2.1.332-idle-after-compact-captured': { agent: 'claude', state: 'idle', rule: 'claude-background', reason: 'background' },
  'claude-2.1.332-idle-after-esc-captured': { agent: 'claude', state: 'idle', rule: 'claude-background', reason: 'background' },
  'synthetic-aider-confirm': { agent: 'aider', state: 'waiting', rule: 'aider-confirm', reason: 'approval' },
  'synthetic-aider-prompt': { agent: 'aider', state: 'idle', rule: 'aider-prompt' },
  'synthetic-ollama-loading': { agent: 'ollama', state: 'working', rule: 'ollama-loading' },
  'synthetic-ollama-prompt': { agent: 'ollama', state: 'idle', rule: 'ollama-prompt' },
};

/** Fixtures that are not an agent's screen (identification keeps them away from rules). */
const NOT_AGENT_SCREENS = new Set(['lookalike-shell-esc-to-interrupt']);

const manifests = baseManifests();

describe('agents.yaml screen rules against captured screens', () => {
  it.each(Object.entries(CASES))('%s', (name, expected) => {
    const agent = manifests.byName.get(expected.agent);
    expect(agent, `agent ${expected.agent}`).toBeDefined();
    const result = classify(loadScreen(name), agent!);
    expect({ state: result.state, rule: result.ruleId }).toEqual({ state: expected.state, rule: expected.rule });
    if (expected.reason) expect(result.reason).toBe(expected.reason);
    if (expected.message) expect(result.message).toContain(expected.message);
    if (expected.resets) expect(result.resetText).toBe(expected.resets);
    // Every error says what the agent printed.
    if (expected.state === 'error') expect(result.message, 'an error carries its message').toBeTruthy();
  });

  it('every fixture file has an expectation', () => {
    const listed = new Set([...Object.keys(CASES), ...NOT_AGENT_SCREENS]);
    expect(screenNames().filter((n) => !listed.has(n))).toEqual([]);
  });

  it('every rule matches at least one fixture that reads as its state', () => {
    const uncovered: string[] = [];
    for (const agent of manifests.agents) {
      for (const rule of agent.rules) {
        const covered = Object.entries(CASES).some(([name, c]) => {
          if (c.agent !== agent.name || c.state !== rule.state) return false;
          return explainScreen(loadScreen(name), agent).verdicts.some((v) => v.ruleId === rule.id && v.matched);
        });
        if (!covered) uncovered.push(`${agent.name}/${rule.id}`);
      }
    }
    expect(uncovered).toEqual([]);
  });

  it('persistent footers alone are never a state, for any agent', () => {
    const footers = ['  ? for shortcuts', '  ⏵⏵ bypass permissions on (shift+tab to cycle)', '  ⏵⏵ accept edits on', '  ⚠ 1 warning · f2 to view', '  ← for agents · ? for shortcuts'];
    for (const agent of manifests.agents) {
      for (const footer of footers) {
        expect(classify({ lines: ['', footer, ''], title: '' }, agent).state, `${agent.name}: ${footer}`).toBe('unknown');
      }
    }
  });

  it.each(['·', '✢', '*', '✶', '✻', '✽', '✳'])("Claude's spinner glyph %s above the input box reads as working", (glyph) => {
    const screen = loadScreen('synthetic-claude-working-spinner-only');
    const lines = screen.lines.map((l) => (l.includes('Reticulating') ? `${glyph} Reticulating…` : l));
    expect(classify({ ...screen, lines }, manifests.byName.get('claude')!).state).toBe('working');
  });

  it.each(['⠋ Claude Code', '⠐ Claude Code', '◐ Claude Code'])('a Claude title spinner %s reads as working', (title) => {
    expect(classify({ lines: [], title }, manifests.byName.get('claude')!).ruleId).toBe('claude-title-spinner');
  });

  it('a finished-turn line (✻ Worked for 8s) is not a spinner', () => {
    const screen = loadScreen('claude-2.1.197-idle-after-turn');
    expect(explainScreen(screen, manifests.byName.get('claude')!).verdicts.find((v) => v.ruleId === 'claude-spinner-line')?.matched).toBe(false);
  });

  it('explain names the deciding rule and the line it saw', () => {
    const { result, verdicts } = explainScreen(loadScreen('codex-0.169.0-working'), manifests.byName.get('codex')!);
    expect(result.ruleId).toBe('codex-working-line');
    expect(verdicts.find((v) => v.ruleId === 'codex-working-line')?.evidence).toContain('Working (2s');
    // The input line is still there while Codex works: idle matched but lost on precedence.
    expect(verdicts.find((v) => v.ruleId === 'codex-prompt')?.matched).toBe(true);
  });
});
