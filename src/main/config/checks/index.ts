import type { SectionCheck } from '../sections.js';
import { checkNotifications } from './notifications.js';
import { checkRouting, checkRoutingTests } from './routing.js';
import { checkSla } from './sla.js';
import { checkUi } from './ui.js';
import { checkWorkflows } from './workflows.js';

/** Cross-file and range checks that need the whole validated config. */
export const SECTION_CHECKS: readonly SectionCheck[] = [checkSla, checkRouting, checkRoutingTests, checkUi, checkWorkflows, checkNotifications];
