import type { ReactNode } from 'react';

// The pictures a dashboard panel's `icon:` may name (PANEL_ICONS in the ui_config
// schema; config check refuses any other name). Drawn as 16×16 strokes in the
// text color, so they follow the theme.

const PATHS: Record<string, ReactNode> = {
  folder: <path d="M1.5 4.5v8h13v-7h-7l-1.5-1.5h-4.5z" />,
  'list-check': (
    <>
      <path d="M1.5 4l1.5 1.5 2.5-3M1.5 10l1.5 1.5 2.5-3" />
      <path d="M7.5 4.5h7M7.5 10.5h7" />
    </>
  ),
  terminal: (
    <>
      <rect x="1.5" y="2.5" width="13" height="11" rx="1" />
      <path d="M4 6l2.5 2L4 10M8 10.5h4" />
    </>
  ),
  'exclamation-triangle': (
    <>
      <path d="M8 1.8l6.7 12H1.3z" />
      <path d="M8 6v4M8 11.8v.4" />
    </>
  ),
  'chart-line': <path d="M1.5 1.5v13h13M3.5 11l3-4 3 2 4-5" />,
  'chart-bar': <path d="M1.5 1.5v13h13M4.5 12V8M8 12V4M11.5 12V6.5" />,
  clock: (
    <>
      <circle cx="8" cy="8" r="6.5" />
      <path d="M8 4v4l2.5 2" />
    </>
  ),
  gauge: (
    <>
      <path d="M2 12a6 6 0 1 1 12 0" />
      <path d="M8 12l3-4" />
    </>
  ),
  bell: <path d="M4 11V7a4 4 0 0 1 8 0v4l1.5 1.5h-11zM6.5 14h3" />,
  server: (
    <>
      <rect x="1.5" y="2" width="13" height="5" rx="1" />
      <rect x="1.5" y="9" width="13" height="5" rx="1" />
      <path d="M4 4.5h.5M4 11.5h.5" />
    </>
  ),
  table: (
    <>
      <rect x="1.5" y="2.5" width="13" height="11" rx="1" />
      <path d="M1.5 6h13M1.5 9.5h13M6 6v7.5" />
    </>
  ),
  bolt: <path d="M9 1.5L3 9h4.5L6.5 14.5 13 7H8.5z" />,
  'check-circle': (
    <>
      <circle cx="8" cy="8" r="6.5" />
      <path d="M5 8.2l2 2 4-4.2" />
    </>
  ),
  users: (
    <>
      <circle cx="6" cy="5" r="2.5" />
      <path d="M1.5 14a4.5 4.5 0 0 1 9 0M11 3a2.5 2.5 0 0 1 0 5M12.5 10a4 4 0 0 1 2 4" />
    </>
  ),
};

export function PanelIcon({ name }: { name: string | undefined }) {
  if (!name) return null;
  const drawing = PATHS[name];
  if (!drawing) return null;
  return (
    <svg className="panel-icon" data-icon={name} viewBox="0 0 16 16" width="16" height="16" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      {drawing}
    </svg>
  );
}

/** The icon names drawn here, for the test that every PANEL_ICONS name has a picture. */
export const DRAWN_ICONS = Object.keys(PATHS);
