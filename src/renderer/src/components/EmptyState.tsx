import type { ReactNode } from 'react';

export function EmptyState({ title, children, testId }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="empty" data-testid={testId ?? 'empty-state'}>
      <h3>{title}</h3>
      {children}
    </div>
  );
}

/** No agents found: say how Architect finds them, and offer the demo fleet. */
export function NoAgents() {
  return (
    <EmptyState title="No agent panes found" testId="no-agents">
      <p>
        Architect lists every pane of your tmux servers — the default one and each one given with <code>--tmux-socket NAME</code> —
        and recognises an agent from the process running in it (<code>claude</code>, <code>codex</code>, <code>gemini</code>,{' '}
        <code>aider</code>…), not from the session name. Its state comes from hooks where the agent offers them, otherwise from
        the screen, by the rules in <code>config/base/agents.yaml</code>.
      </p>
      <p>
        Start an agent inside tmux (<code>tmux new -s dev_worker1 claude</code>), or see a simulated fleet with{' '}
        <code>architect demo</code> (<code>npm run demo</code>).
      </p>
    </EmptyState>
  );
}

export function ErrorNote({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error}
    </p>
  );
}
