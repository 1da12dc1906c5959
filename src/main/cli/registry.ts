import type { CliCommand } from './command.js';
import { serveCommand } from './commands/serve.js';
import { demoCommand } from './commands/demo.js';
import { configCommand } from './commands/config.js';
import { sessionsCommand } from './commands/sessions.js';
import { agentsCommand } from './commands/agents.js';
import { waitCommand } from './commands/wait.js';
import { hooksCommand } from './commands/hooks.js';
import { tasksCommand } from './commands/tasks.js';
import { routeCommand } from './commands/route.js';
import { explainCommand } from './commands/explain.js';
import { queryCommand } from './commands/query.js';
import { workflowCommand } from './commands/workflow.js';
import { dbCommand } from './commands/db.js';
import { answerCommand } from './commands/answer.js';
import { notifyCommand } from './commands/notify.js';

/** Every CLI command, in the order `architect --help` lists them. */
export function registry(): CliCommand[] {
  return [
    serveCommand,
    demoCommand,
    configCommand,
    sessionsCommand,
    waitCommand,
    agentsCommand,
    hooksCommand,
    tasksCommand,
    routeCommand,
    explainCommand,
    queryCommand,
    workflowCommand,
    dbCommand,
    answerCommand,
    notifyCommand,
  ];
}
