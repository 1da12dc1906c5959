import { useEffect, useRef } from 'react';
import { basicSetup, EditorView } from 'codemirror';
import { yaml } from '@codemirror/lang-yaml';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { tags } from '@lezer/highlight';
import { EditorState, type Text } from '@codemirror/state';
import { keymap } from '@codemirror/view';
import type { ConfigProblem } from '../../../shared/api';

/** Validate after the typing pauses this long: the validator parses the whole layer set. */
const LINT_DELAY_MS = 400;

export function problemsToDiagnostics(doc: Text, problems: ConfigProblem[]): Diagnostic[] {
  return problems.map((p) => {
    const line = doc.line(Math.min(Math.max(1, p.line), doc.lines));
    const from = Math.min(line.to, line.from + Math.max(0, p.col - 1));
    return { from, to: Math.max(from, line.to), severity: 'error', message: p.message, source: `${p.file}:${p.line}:${p.col}` };
  });
}

/** True when a problem belongs to the file being edited (the validator reports the whole config). */
export function isProblemOf(path: string, problem: ConfigProblem): boolean {
  return problem.file === path || problem.file.endsWith(`/${path}`) || path.endsWith(`/${problem.file}`);
}

const theme = EditorView.theme({
  '&': { height: '100%', backgroundColor: 'var(--panel)', color: 'var(--text)' },
  '.cm-scroller': { fontFamily: "'JetBrains Mono', ui-monospace, Menlo, monospace", fontSize: '13px' },
  '.cm-gutters': { backgroundColor: 'var(--bg)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: 'color-mix(in srgb, var(--accent) 8%, transparent)' },
  '.cm-cursor': { borderLeftColor: 'var(--text)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground': { backgroundColor: 'color-mix(in srgb, var(--accent) 25%, transparent) !important' },
  '.cm-tooltip': { backgroundColor: 'var(--panel)', color: 'var(--text)', border: '1px solid var(--border)' },
});

/** Token colors through CSS variables, so light and dark both read well. */
const highlight = HighlightStyle.define([
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: 'var(--yaml-key)' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--yaml-string)' },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: 'var(--yaml-number)' },
  { tag: tags.comment, color: 'var(--muted)', fontStyle: 'italic' },
  { tag: [tags.punctuation, tags.separator, tags.squareBracket, tags.brace], color: 'var(--muted)' },
  { tag: [tags.meta, tags.keyword, tags.labelName], color: 'var(--yaml-meta)' },
]);

interface Props {
  path: string;
  /** The text to load; a new value (another file, a reload) replaces the document. */
  initial: string;
  onChange(text: string): void;
  onProblems(problems: ConfigProblem[]): void;
  onSave(): void;
}

/** CodeMirror 6 on a config file, with the validator's problems inline as you type. */
export function YamlEditor({ path, initial, onChange, onProblems, onSave }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const callbacks = useRef({ onChange, onProblems, onSave });
  callbacks.current = { onChange, onProblems, onSave };

  useEffect(() => {
    if (!host.current) return;
    const validate = linter(
      async (view) => {
        const { problems } = await window.architect.config.validate({ path, text: view.state.doc.toString() });
        const mine = problems.filter((p) => isProblemOf(path, p));
        callbacks.current.onProblems(problems);
        return problemsToDiagnostics(view.state.doc, mine);
      },
      { delay: LINT_DELAY_MS },
    );
    const view = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: initial,
        extensions: [
          keymap.of([{ key: 'Mod-s', preventDefault: true, run: () => (callbacks.current.onSave(), true) }]),
          basicSetup,
          yaml(),
          syntaxHighlighting(highlight),
          validate,
          lintGutter(),
          theme,
          EditorView.updateListener.of((u) => {
            if (u.docChanged) callbacks.current.onChange(u.state.doc.toString());
          }),
        ],
      }),
    });
    return () => view.destroy();
  }, [path, initial]);

  return <div className="yaml-editor" ref={host} data-testid="yaml-editor" />;
}
