import { classify, type Classification, type Screen } from './classify.js';
import type { CompiledAgent } from './manifests.js';

/**
 * A frame with no text at all: a redraw caught between its clear and its paint (Gemini
 * CLI clears the whole screen on a resize or when a dialog opens or closes). It shows
 * nothing, so it says nothing about the agent's state.
 */
export function isBlankFrame(screen: Screen): boolean {
  return screen.lines.every((line) => line.trim() === '');
}

/**
 * What a frame of a live agent reads as, or null when it says nothing new: a blank
 * frame keeps the previous reading (were it read, the agent would flip to `unknown`
 * and back for one poll on every redraw). A blank frame with nothing read before it
 * (an agent still starting) reads as the rules say (`unknown`).
 */
export function readFrame(screen: Screen, agent: CompiledAgent, previous: Classification | null): Classification | null {
  if (previous !== null && isBlankFrame(screen)) return null;
  return classify(screen, agent);
}
