import { EventEmitter } from 'node:events';
import type { AlertItem } from './alerting.ts';
import type { CheckStatus } from './state-machine.ts';

/** A check's live state, as the board shows it. */
export interface LiveState {
  checkId: string;
  clientId: string;
  state: CheckStatus;
  since: number;
  lastResultAt: number | null;
  lastStatus: 'up' | 'degraded' | 'down' | null;
  lastLatencyMs: number | null;
  lastMessage: string | null;
}

export interface MonitoringEvents {
  /** A check was created, changed or deleted: schedulers reload it. */
  checkChanged: [checkId: string];
  /** New results or a state change for these checks (batched per flush). */
  live: [states: LiveState[]];
  /** An alert was raised (problem, repeat, recovery, flapping): the delivery queue and the service desk listen. */
  alert: [alert: AlertItem];
}

/**
 * The in-process bus between the monitoring service, the scheduler and the live board. Across
 * processes (several `serve` and `worker` on PostgreSQL) the same events travel by LISTEN/NOTIFY.
 */
export class MonitoringBus extends EventEmitter<MonitoringEvents> {
  constructor() {
    super();
    this.setMaxListeners(0);
  }
}

const buses = new WeakMap<object, MonitoringBus>();

/** One bus per database handle (tests run several servers in one process). */
export function busFor(db: object): MonitoringBus {
  let b = buses.get(db);
  if (!b) {
    b = new MonitoringBus();
    buses.set(db, b);
  }
  return b;
}
