// A pane's screen as tmux holds it, turned into what a fresh terminal of the same
// size must be sent to show the same thing: the text with its colours, the cursor,
// and the modes that change how later output and keys behave. Pure.

export interface PaneState {
  cols: number;
  rows: number;
  cursorX: number;
  cursorY: number;
  cursorVisible: boolean;
  /** The alternate screen (full-screen programs). */
  alternate: boolean;
  scrollTop: number;
  scrollBottom: number;
  /** Application cursor keys (arrows send ESC O A): the viewer's keys must match what the program expects. */
  keypadCursor: boolean;
  keypad: boolean;
  insert: boolean;
  wrap: boolean;
  mouseStandard: boolean;
  mouseButton: boolean;
  mouseAny: boolean;
  mouseSgr: boolean;
}

const FIELDS = [
  'pane_width', 'pane_height', 'cursor_x', 'cursor_y', 'cursor_flag', 'alternate_on', 'scroll_region_upper', 'scroll_region_lower',
  'keypad_cursor_flag', 'keypad_flag', 'insert_flag', 'wrap_flag', 'mouse_standard_flag', 'mouse_button_flag', 'mouse_any_flag', 'mouse_sgr_flag',
] as const;

/** One `display-message -p` format for every field, space-separated (all numbers). */
export const PANE_STATE_FORMAT = FIELDS.map((f) => `#{${f}}`).join(' ');

export function parsePaneState(line: string): PaneState {
  const v = line.trim().split(' ').map((x) => Number(x) || 0);
  const n = (i: number): number => v[i] ?? 0;
  const cols = Math.max(1, n(0));
  const rows = Math.max(1, n(1));
  return {
    cols,
    rows,
    cursorX: n(2),
    cursorY: n(3),
    cursorVisible: n(4) === 1,
    alternate: n(5) === 1,
    scrollTop: n(6),
    scrollBottom: n(7) || rows - 1,
    keypadCursor: n(8) === 1,
    keypad: n(9) === 1,
    insert: n(10) === 1,
    wrap: n(11) === 1,
    mouseStandard: n(12) === 1,
    mouseButton: n(13) === 1,
    mouseAny: n(14) === 1,
    mouseSgr: n(15) === 1,
  };
}

const ESC = '\x1b';
const mode = (on: boolean, code: string): string => `${ESC}[?${code}${on ? 'h' : 'l'}`;

/** Everything a terminal of `state.cols` × `state.rows` is sent to show the pane (`screen`: capture-pane -e lines). */
export function repaintText(state: PaneState, screen: readonly string[]): string {
  // Soft reset (modes to their defaults, screen kept), then the right screen, cleared.
  let out = `${ESC}[!p${mode(state.alternate, '1049')}${ESC}[r${ESC}[H${ESC}[2J`;
  const rows = Math.min(screen.length, state.rows);
  for (let row = 0; row < rows; row++) out += `${ESC}[${row + 1};1H${screen[row]}${ESC}[0m`;
  if (state.scrollTop !== 0 || state.scrollBottom !== state.rows - 1) out += `${ESC}[${state.scrollTop + 1};${state.scrollBottom + 1}r`;
  out += mode(state.keypadCursor, '1') + (state.keypad ? `${ESC}=` : `${ESC}>`);
  out += `${ESC}[4${state.insert ? 'h' : 'l'}` + mode(state.wrap, '7');
  out += mode(state.mouseStandard, '1000') + mode(state.mouseButton, '1002') + mode(state.mouseAny, '1003') + mode(state.mouseSgr, '1006');
  out += `${ESC}[${state.cursorY + 1};${state.cursorX + 1}H` + mode(state.cursorVisible, '25');
  return out;
}
