/**
 * The Pacchettino worker: a language-server-style process the VS Code client starts
 * over IPC (`--node-ipc`). It owns the queue core for every configured queue: it answers
 * the protocol's requests, watches the folders and pushes coalesced ChangedNotifications,
 * sweeps for dead consumers and promotes due scheduled jobs. It never takes a job:
 * consumers (the CLI's `consume`, run as VS Code tasks) do that.
 *
 * Run it by hand with `node server/worker/out/main.js --node-ipc` from a parent that
 * forked it with an IPC channel; `--clientProcessId=<pid>` makes it exit when that
 * process dies (vscode-languageserver watches the pid).
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { ChangedNotification } from '@pacchettino/shared';
import { initializationSettings } from './paramGuards';
import { QueueRegistry } from './queueRegistry';
import { registerRequestHandlers } from './requestHandlers';
import { registerJobRequests } from './jobRequests';
import { messageOf } from './errorReplies';
import { registerLiveRequests } from './liveRequests';
import { connectionLog, type WorkerLog } from './workerLog';

const connection = createConnection(ProposedFeatures.all);
const log = connectionLog(connection);
installCrashGuards(log);

const registry = new QueueRegistry((queues) => {
  // Fails only when the client has gone, and then the library ends this process anyway.
  connection.sendNotification(ChangedNotification.type, { queues }).catch((err) => log.warn(`Could not send a change notification: ${messageOf(err)}`));
}, log);

connection.onInitialize((params) => {
  // Settings may come here, or later with ConfigureRequest; bad ones must not stop the worker
  // from starting, or the client could not even send good ones.
  try {
    const settings = initializationSettings(params.initializationOptions);
    if (settings) registry.configure(settings);
  } catch (err) {
    log.error(`Ignoring initializationOptions: ${messageOf(err)}. The worker waits for a ConfigureRequest.`);
  }
  return { capabilities: {}, serverInfo: { name: 'pacchettino-worker' } };
});

registerRequestHandlers(connection, registry, log);
registerJobRequests(connection, registry, log);
registerLiveRequests(connection, registry, log);
connection.onShutdown(() => registry.dispose());
connection.onExit(() => registry.dispose());
connection.listen();

/**
 * A worker that dies takes the client's view of every queue with it, and jobs are on disk
 * anyway: a stray exception (a watcher callback, a timer) is logged and the worker goes on.
 */
function installCrashGuards(out: WorkerLog): void {
  process.on('uncaughtException', (err) => {
    out.error(`Uncaught exception (the worker carries on): ${err instanceof Error ? err.stack : String(err)}`);
  });
  process.on('unhandledRejection', (reason) => {
    out.error(`Unhandled promise rejection (the worker carries on): ${reason instanceof Error ? reason.stack : String(reason)}`);
  });
}
