import { describe, expect, it } from 'vitest';
import { classify } from '../../../src/main/sessions/classify.js';
import { isBlankFrame, readFrame } from '../../../src/main/sessions/blank-frame.js';
import { baseManifests, loadScreen } from './screens.js';

const claude = baseManifests().byName.get('claude')!;
const blank = { lines: ['', '   ', ''], title: '✳ Claude Code' };

describe('a blank frame (a redraw between its clear and its paint)', () => {
  it('is a screen with no text at all', () => {
    expect(isBlankFrame(blank)).toBe(true);
    expect(isBlankFrame(loadScreen('claude-2.1.332-idle-captured'))).toBe(false);
  });

  it('keeps the reading before it; the rules alone would read it unknown', () => {
    const idle = classify(loadScreen('claude-2.1.332-idle-captured'), claude);
    expect(idle.state).toBe('idle');
    expect(classify(blank, claude).state).toBe('unknown');
    expect(readFrame(blank, claude, idle)).toBeNull();
  });

  it('reads as the rules say when nothing was read before it, and any frame with text is read', () => {
    expect(readFrame(blank, claude, null)?.state).toBe('unknown');
    const idle = classify(loadScreen('claude-2.1.332-idle-captured'), claude);
    expect(readFrame(loadScreen('claude-2.1.332-working-captured'), claude, idle)?.state).toBe('working');
  });
});
