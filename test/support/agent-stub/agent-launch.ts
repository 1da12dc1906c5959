import fs from 'node:fs';
import path from 'node:path';

/**
 * How to start each real agent CLI against the model stub: a throw-away HOME with
 * onboarding, trust and the API key pre-accepted, the env that points the CLI at the
 * stub, and the argv. Nothing here touches the user's own agent settings.
 */
export type RealAgent = 'claude' | 'codex' | 'gemini';
export const REAL_AGENTS: RealAgent[] = ['claude', 'codex', 'gemini'];

const PACKAGES: Record<RealAgent, string> = {
  claude: '@anthropic-ai/claude-code',
  codex: '@openai/codex',
  gemini: '@google/gemini-cli',
};

export interface AgentLaunch {
  agent: RealAgent;
  /** The CLI's version, from its package.json (fixture names carry it). */
  version: string;
  argv: string[];
  env: Record<string, string>;
  /** The project folder the agent runs in (trusted in its settings). */
  cwd: string;
}

/** Where `npm install --prefix DIR …` put the CLIs. */
export function cliVersion(cliRoot: string, agent: RealAgent): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(cliRoot, 'node_modules', PACKAGES[agent], 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Writes HOME and project folders under `root` and returns how to start `agent`.
 * `trusted: false` leaves the project untrusted, so the CLI opens on its trust dialog.
 */
export function prepareAgent(agent: RealAgent, cliRoot: string, stubUrl: string, root: string, opts: { trusted?: boolean; retries?: number } = {}): AgentLaunch {
  const trusted = opts.trusted ?? true;
  // Retries hide the error screens behind back-off; a test of the retry screen asks for some.
  const retries = String(opts.retries ?? 0);
  const home = path.join(root, `${agent}-home`);
  const cwd = path.join(root, 'project1');
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(cwd, { recursive: true });
  const bin = path.join(cliRoot, 'node_modules', '.bin', agent);
  const version = cliVersion(cliRoot, agent);
  // CI=0: the pane inherits the tmux server's environment, and under CI=true Gemini CLI
  // (is-in-ci) skips its interactive UI and exits at once.
  const common = { HOME: home, TERM: 'xterm-256color', LANG: 'C.UTF-8', PATH: process.env.PATH ?? '/usr/bin:/bin', NO_UPDATE_NOTIFIER: '1', CI: '0' };
  if (agent === 'claude') {
    const key = 'sk-ant-api03-architect-stub-key-0123456789abcdefghij';
    writeJson(path.join(home, '.claude.json'), {
      hasCompletedOnboarding: true,
      lastOnboardingVersion: version,
      theme: 'dark',
      // 2.1.3xx: the notice that auto mode is the default, and the startup question
      // whether to make it so (asked when the user's settings name another mode).
      hasSeenAutoDefaultNotice: true,
      hasSeenAutoDefaultNudge: true,
      // Claude Code remembers an approved key by its last 20 characters.
      customApiKeyResponses: { approved: [key.slice(-20)], rejected: [] },
      projects: { [cwd]: { hasTrustDialogAccepted: trusted, hasCompletedProjectOnboarding: true, allowedTools: [] } },
    });
    // Claude Code 2.1.3xx starts in auto mode, which runs a tool call without its
    // approval dialog; "default" (read as "manual" by those versions) asks as before.
    writeJson(path.join(home, '.claude', 'settings.json'), { permissions: { defaultMode: 'default' } });
    return {
      agent, version, cwd, argv: [bin],
      env: {
        ...common, ANTHROPIC_BASE_URL: stubUrl, ANTHROPIC_API_KEY: key,
        CLAUDE_CODE_MAX_RETRIES: retries, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1', DISABLE_TELEMETRY: '1', DISABLE_ERROR_REPORTING: '1',
      },
    };
  }
  if (agent === 'codex') {
    const codexHome = path.join(home, '.codex');
    fs.mkdirSync(codexHome, { recursive: true });
    fs.writeFileSync(path.join(codexHome, 'config.toml'), [
      'model = "gpt-5-codex"',
      'model_provider = "stub"',
      'approval_policy = "on-request"',
      'sandbox_mode = "workspace-write"',
      'check_for_update_on_startup = false',
      '',
      '[model_providers.stub]',
      'name = "Architect stub"',
      `base_url = "${stubUrl}/v1"`,
      'wire_api = "responses"',
      'env_key = "ARCHITECT_STUB_KEY"',
      'requires_openai_auth = false',
      `request_max_retries = ${retries}`,
      `stream_max_retries = ${retries}`,
      '',
      ...(trusted ? [`[projects.${JSON.stringify(cwd)}]`, 'trust_level = "trusted"', ''] : []),
    ].join('\n'));
    return {
      agent, version, cwd,
      // Without --no-daemon a background app-server outlives the pane.
      argv: [bin, '--no-daemon'],
      env: { ...common, CODEX_HOME: codexHome, ARCHITECT_STUB_KEY: 'stub-key' },
    };
  }
  const geminiHome = path.join(home, '.gemini');
  writeJson(path.join(geminiHome, 'settings.json'), {
    security: { auth: { selectedType: 'gemini-api-key' } },
    general: { disableAutoUpdate: true, disableUpdateNag: true },
    privacy: { usageStatisticsEnabled: false },
  });
  writeJson(path.join(geminiHome, 'trustedFolders.json'), trusted ? { [cwd]: 'TRUST_FOLDER' } : {});
  return {
    agent, version, cwd, argv: [bin],
    env: { ...common, GEMINI_API_KEY: 'stub-key', GOOGLE_GEMINI_BASE_URL: stubUrl },
  };
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
}
